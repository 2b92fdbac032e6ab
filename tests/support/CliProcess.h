#pragma once

// streamscope-cli (or another executable of the build) run to its end as a user would, for
// tests that check its output and exit code.

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

namespace streamscope::test {

struct CliRun {
    int exitCode = -1; // -1: did not finish in time (then killed)
    QByteArray out;
    QByteArray err;
};

// The executable's path in the build (binDir()).
QString executablePath(const QString &program = QStringLiteral("streamscope-cli"));

// Runs program with args. The test's own REDISCLI_AUTH, SSH_AUTH_SOCK and the passphrase
// variables never leak in: they are removed, then env is applied (a null value removes the
// variable, any other value sets it).
CliRun runProgram(const QString &program, const QStringList &args,
                  const QHash<QString, QString> &env = {}, int timeoutMs = 60000);
inline CliRun runCli(const QStringList &args, const QHash<QString, QString> &env = {},
                     int timeoutMs = 60000) {
    return runProgram(executablePath(), args, env, timeoutMs);
}

} // namespace streamscope::test
