#include "CliProcess.h"

#include "ServiceProcess.h"

#include <QProcess>
#include <QProcessEnvironment>

namespace streamscope::test {

QString executablePath(const QString &program) {
    return program.contains(QLatin1Char('/')) ? program : binDir() + QLatin1Char('/') + program;
}

CliRun runProgram(const QString &program, const QStringList &args,
                  const QHash<QString, QString> &env, int timeoutMs) {
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"REDISCLI_AUTH", "SSH_AUTH_SOCK", "STREAMSCOPE_TLS_KEY_PASSPHRASE",
                             "STREAMSCOPE_SSH_KEY_PASSPHRASE"})
        e.remove(QString::fromLatin1(name));
    for (auto it = env.cbegin(); it != env.cend(); ++it) {
        if (it.value().isNull())
            e.remove(it.key());
        else
            e.insert(it.key(), it.value());
    }
    QProcess p;
    p.setProcessEnvironment(e);
    p.start(executablePath(program), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {};
    }
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

} // namespace streamscope::test
