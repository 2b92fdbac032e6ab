#include "ServiceProcess.h"

#include "LocalRedisServer.h"

#include <QCoreApplication>
#include <QFile>

#include <csignal>

namespace streamscope::test {

QString binDir() {
    const QString dir = qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
    return dir.isEmpty() ? QCoreApplication::applicationDirPath() : dir;
}

ServiceProcess::ServiceProcess(const QString &program, QStringList args, const QString &logPath)
    : m_program(binDir() + QLatin1Char('/') + program)
    , m_args(std::move(args))
    , m_logPath(logPath) {}

ServiceProcess::~ServiceProcess() {
    stop();
}

bool ServiceProcess::start() {
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(m_program);
    m_process->setArguments(m_args);
    m_process->setStandardErrorFile(m_logPath, QIODevice::Append);
    m_process->setStandardOutputFile(m_logPath + QStringLiteral(".out"), QIODevice::Append);
    dieWithParent(*m_process);
    m_process->start();
    return m_process->waitForStarted(5000);
}

void ServiceProcess::kill() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_process->processId()), SIGKILL);
        m_process->waitForFinished(5000);
    }
}

void ServiceProcess::stop() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(10000))
            kill();
    }
}

bool ServiceProcess::running() const {
    return m_process && m_process->state() == QProcess::Running;
}

int ServiceProcess::exitCode() const {
    return m_process ? m_process->exitCode() : -1;
}

QString ServiceProcess::log() const {
    QFile f(m_logPath);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

int ServiceProcess::httpPort() const {
    const QString text = log();
    const qsizetype at = text.lastIndexOf(QLatin1String("listening on http://127.0.0.1:"));
    if (at < 0)
        return 0;
    return text.mid(at + 30).section(QLatin1Char('\n'), 0, 0).trimmed().toInt();
}

} // namespace streamscope::test
