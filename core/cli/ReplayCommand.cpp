// streamscope-cli replay: a captured JSON Lines file appended to a (test) server, paced.
#include "CliCommon.h"

namespace streamscope::cli {

CommandSpec replayCommand() {
    return {"replay",
            "Usage: streamscope-cli [connection options] replay FILE [options]\n\n"
            "Not built yet.\n",
            {},
            [](const QCommandLineParser &, const ConnectionSettings &, bool) {
                return usageError(QStringLiteral("replay is not built yet"));
            }};
}

} // namespace streamscope::cli
