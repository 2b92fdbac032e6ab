#pragma once

#include <QStringList>

namespace streamscope::cli {

// Exit codes, stable for scripts.
enum ExitCode {
    Success = 0,
    Findings = 1,         // doctor: something was found; find: nothing was found
    UsageError = 2,       // bad arguments: nothing was sent
    ConnectionError = 3,  // could not connect or authenticate
    ServerError = 4,      // the server refused a command (message printed)
    ReadOnlyRefused = 5,  // --read-only: the write was not sent
    OutputError = 6,      // the output could not be written (disk full, closed stdout)
    IncompleteExport = 7, // export: entries of the range vanished while it ran
};

// Runs `streamscope-cli` with args (args[0] is the program name). Needs a QCoreApplication.
int run(const QStringList &args);

} // namespace streamscope::cli
