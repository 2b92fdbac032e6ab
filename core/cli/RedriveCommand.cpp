// streamscope-cli redrive: dead letters back to the streams they came from.
#include "CliCommon.h"

namespace streamscope::cli {

CommandSpec redriveCommand() {
    return {"redrive",
            "Usage: streamscope-cli [connection options] redrive DLQ_STREAM [options]\n\n"
            "Not built yet.\n",
            {},
            [](const QCommandLineParser &, const ConnectionSettings &, bool) {
                return usageError(QStringLiteral("redrive is not built yet"));
            }};
}

} // namespace streamscope::cli
