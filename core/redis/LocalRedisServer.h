#pragma once

#include "ConnectionSettings.h"
#include "Error.h"

#include <QObject>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace streamscope {

// A private redis-server on a free loopback port, in a temporary directory, stopped with its
// owner (and with this process: the child gets PR_SET_PDEATHSIG, so not even a SIGKILL of the
// parent leaves it behind). Used by `streamscope --demo` and by every test that needs Redis.
// A QObject so that its owner hears when it dies (exited()); start() again brings it back on
// the same port with the same data directory.
class LocalRedisServer : public QObject {
    Q_OBJECT
public:
    // TLS on a second port (tlsPort()), beside the plain one: PEM files the caller made. (Not
    // a member of Options, which callers build as an aggregate.)
    struct Tls {
        enum class AuthClients { Yes, No, Optional }; // redis-server's tls-auth-clients
        QString certFile;                             // empty: no TLS port
        QString keyFile;
        QString caFile; // what client certificates are verified against
        AuthClients authClients = AuthClients::No;
    };
    struct Options {
        bool persistence = false; // AOF with fsync always: survives SIGKILL
        QStringList extraArgs;    // e.g. {"--requirepass", "secret"}
        quint16 port = 0;         // 0: pick a free one
    };

    LocalRedisServer();
    explicit LocalRedisServer(Options options);
    LocalRedisServer(Options options, Tls tls);
    ~LocalRedisServer() override;

    // Starts and waits until it answers PING. The error says why not (missing package,
    // port taken, bad config: with the server's log). Started again after it stopped, it keeps
    // its port (a taken port is an error then, not a move) and its data directory.
    Error start(int timeoutMs = 10000);
    void stop(); // SIGTERM, then wait (the server saves if persistence is on)
    void kill(); // SIGKILL: as a crash would (exited() is emitted)
    bool isRunning() const;
    qint64 processId() const;

    quint16 port() const { return m_port; }
    quint16 tlsPort() const { return m_tlsPort; } // 0 without Options::tls
    QString dir() const;
    QString socketPath() const;
    QString url() const;
    ConnectionSettings settings() const;
    // rediss://127.0.0.1:tlsPort, verified against the server's CA file, nothing else set.
    QString tlsUrl() const;
    ConnectionSettings tlsSettings() const;
    QString logTail(int lines = 20) const;

    static quint16 freePort();
    static QString executable(); // redis-server on PATH, or empty

Q_SIGNALS:
    // The server stopped without stop() being asked, after start() had succeeded: a crash, a
    // kill, a SHUTDOWN. crashed: ended by a signal (exitCode is then the signal's number).
    void exited(int exitCode, bool crashed);

private:
    Options m_options;
    Tls m_tls;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    bool m_watching = false; // between a successful start() and stop(): exits are reported
    bool m_hasRun = false;   // started once: a restart keeps the port
};

// Makes a child process die with its parent (Linux): for everything the demo starts.
void dieWithParent(QProcess &process);

} // namespace streamscope
