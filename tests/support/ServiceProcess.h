#pragma once

// The shop's service executables as processes in a test: started, SIGKILLed, stopped, their
// stderr kept in a log file for failure messages. They die with the test (PR_SET_PDEATHSIG).

#include <QProcess>
#include <QString>
#include <QStringList>

#include <memory>

namespace streamscope::test {

// Where the executables are: CTest says (STREAMSCOPE_BIN_DIR); run by hand, next to the test.
QString binDir();

class ServiceProcess {
public:
    ServiceProcess(const QString &program, QStringList args, const QString &logPath);
    ~ServiceProcess();
    bool start();
    void kill(); // SIGKILL, and wait for it
    void stop(); // SIGTERM, SIGKILL after 10 s
    bool running() const;
    int exitCode() const;
    QString log() const;
    // The listening port, from "listening on http://127.0.0.1:PORT" (0 before).
    int httpPort() const;

private:
    QString m_program;
    QStringList m_args;
    QString m_logPath;
    std::unique_ptr<QProcess> m_process;
};

} // namespace streamscope::test
