// streamscope-cli serve: the health rules, always on, for Prometheus and alerting.
#include "CliCommon.h"

namespace streamscope::cli {

CommandSpec serveCommand() {
    return {"serve",
            "Usage: streamscope-cli [connection options] serve [PATTERN] --listen HOST:PORT\n\n"
            "Not built yet.\n",
            {{QStringLiteral("listen"), QStringLiteral("Listen."), QStringLiteral("HOST:PORT")}},
            [](const QCommandLineParser &, const ConnectionSettings &, bool) {
                return usageError(QStringLiteral("serve is not built yet"));
            }};
}

} // namespace streamscope::cli
