#include "LocalRedisServer.h"

#include "RedisConnection.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QStandardPaths>
#include <QTcpServer>
#include <QThread>

#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

namespace streamscope {

void dieWithParent(QProcess &process) {
    // The signal comes when the thread that started the child ends: start children from a
    // thread that lives as long as the process (the main thread).
    const pid_t parent = ::getpid();
    process.setChildProcessModifier([parent] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) // the parent died before prctl: no signal would ever come
            ::_exit(1);
    });
}

LocalRedisServer::LocalRedisServer()
    : LocalRedisServer(Options()) {}

LocalRedisServer::LocalRedisServer(Options options)
    : m_options(std::move(options)) {}

LocalRedisServer::LocalRedisServer(Options options, Tls tls)
    : m_options(std::move(options))
    , m_tls(std::move(tls)) {}

LocalRedisServer::~LocalRedisServer() {
    stop();
}

QString LocalRedisServer::executable() {
    QString path = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(
            QStringLiteral("redis-server"),
            {QStringLiteral("/usr/bin"), QStringLiteral("/usr/local/bin")});
    return path;
}

quint16 LocalRedisServer::freePort() {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QString LocalRedisServer::dir() const {
    return m_dir ? m_dir->path() : QString();
}

QString LocalRedisServer::socketPath() const {
    return m_dir ? m_dir->filePath(QStringLiteral("redis.sock")) : QString();
}

QString LocalRedisServer::url() const {
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}

QString LocalRedisServer::tlsUrl() const {
    return QStringLiteral("rediss://127.0.0.1:%1").arg(m_tlsPort);
}

ConnectionSettings LocalRedisServer::tlsSettings() const {
    ConnectionSettings s = settings();
    s.transport = ConnectionSettings::Transport::Tls;
    s.port = m_tlsPort;
    s.tls.caFile = m_tls.caFile;
    return s;
}

ConnectionSettings LocalRedisServer::settings() const {
    ConnectionSettings s;
    s.host = QStringLiteral("127.0.0.1");
    s.port = m_port;
    return s;
}

QString LocalRedisServer::logTail(int lines) const {
    if (!m_dir)
        return {};
    QFile log(m_dir->filePath(QStringLiteral("redis.log")));
    if (!log.open(QIODevice::ReadOnly))
        return {};
    const QStringList all =
        QString::fromUtf8(log.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return all.mid(qMax(0, all.size() - lines)).join(QLatin1Char('\n'));
}

bool LocalRedisServer::isRunning() const {
    return m_process && m_process->state() != QProcess::NotRunning;
}

qint64 LocalRedisServer::processId() const {
    return isRunning() ? m_process->processId() : 0;
}

Error LocalRedisServer::start(int timeoutMs) {
    if (isRunning())
        return {};
    const QString program = executable();
    if (program.isEmpty())
        return Error(Error::Kind::Connect,
                     QStringLiteral("redis-server was not found on PATH: install it with "
                                    "`apt-get install redis-server` (Debian package "
                                    "redis-server)"));
    if (!m_dir) {
        // Short path: Unix socket paths are limited to 107 bytes.
        m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath()
                                                + QStringLiteral("/streamscope-redis-XXXXXX"));
        if (!m_dir->isValid())
            return Error(Error::Kind::Connect, QStringLiteral("cannot create a temporary "
                                                              "directory: %1")
                                                   .arg(m_dir->errorString()));
    }

    // A free port can be taken between our probe and the server's bind: try a few.
    Error lastError;
    for (int attempt = 0; attempt < 5; ++attempt) {
        // Keep the port across restarts: a restarted server must be found where it was.
        if (m_port == 0 || (attempt > 0 && m_options.port == 0 && !m_hasRun))
            m_port = m_options.port ? m_options.port : freePort();
        const bool tls = !m_tls.certFile.isEmpty();
        if (tls && (m_tlsPort == 0 || attempt > 0))
            m_tlsPort = freePort();
        QStringList args{
            QStringLiteral("--port"),
            QString::number(m_port),
            QStringLiteral("--bind"),
            QStringLiteral("127.0.0.1"),
            QStringLiteral("--dir"),
            m_dir->path(),
            QStringLiteral("--unixsocket"),
            socketPath(),
            QStringLiteral("--unixsocketperm"),
            QStringLiteral("700"),
            QStringLiteral("--daemonize"),
            QStringLiteral("no"),
            QStringLiteral("--logfile"),
            m_dir->filePath(QStringLiteral("redis.log")),
            QStringLiteral("--save"),
            QString(),
        };
        if (m_options.persistence)
            args << QStringLiteral("--appendonly") << QStringLiteral("yes")
                 << QStringLiteral("--appendfsync") << QStringLiteral("always");
        else
            args << QStringLiteral("--appendonly") << QStringLiteral("no");
        if (tls) {
            static const char *const authClients[] = {"yes", "no", "optional"};
            args << QStringLiteral("--tls-port") << QString::number(m_tlsPort)
                 << QStringLiteral("--tls-cert-file") << m_tls.certFile
                 << QStringLiteral("--tls-key-file") << m_tls.keyFile
                 << QStringLiteral("--tls-auth-clients")
                 << QString::fromLatin1(authClients[int(m_tls.authClients)]);
            if (!m_tls.caFile.isEmpty())
                args << QStringLiteral("--tls-ca-cert-file") << m_tls.caFile;
        }
        args << m_options.extraArgs;

        m_process = std::make_unique<QProcess>();
        m_process->setProgram(program);
        m_process->setArguments(args);
        m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process->setStandardOutputFile(QProcess::nullDevice());
        dieWithParent(*m_process);
        QProcess *process = m_process.get();
        connect(process, &QProcess::finished, this,
                [this, process](int exitCode, QProcess::ExitStatus status) {
                    if (process != m_process.get() || !m_watching)
                        return;
                    m_watching = false;
                    Q_EMIT exited(exitCode, status == QProcess::CrashExit);
                });
        m_process->start();
        if (!m_process->waitForStarted(timeoutMs))
            return Error(
                Error::Kind::Connect,
                QStringLiteral("cannot start %1: %2").arg(program, m_process->errorString()));

        // Ready when it answers on the Unix socket (no auth needed for PING? it may be:
        // any reply, even NOAUTH, proves it is up).
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < timeoutMs && m_process->state() == QProcess::Running) {
            ConnectionSettings probe;
            probe.transport = ConnectionSettings::Transport::Unix;
            probe.socketPath = socketPath();
            probe.connectTimeoutMs = 500;
            RedisConnection connection(probe);
            const Error e = connection.open();
            // Up, but still loading its data (a restart with AOF): commands would fail with
            // LOADING, so it is not ready yet.
            const auto loading = [&connection] {
                const auto pong = connection.command({"PING"});
                return pong.ok() && pong.value().isError()
                       && pong.value().errorMessage().startsWith(QLatin1String("LOADING"));
            };
            if (e.kind == Error::Kind::Auth || (!e && !loading())) {
                m_hasRun = true;
                m_watching = true;
                return {};
            }
            QThread::msleep(20);
            m_process->waitForFinished(0);
        }
        lastError = Error(Error::Kind::Connect,
                          QStringLiteral("redis-server did not come up on port %1 (exit code %2). "
                                         "Its log:\n%3")
                              .arg(m_port)
                              .arg(m_process->exitCode())
                              .arg(logTail()));
        m_process->kill();
        m_process->waitForFinished(2000);
        // A fixed port that is taken stays taken (so does the port of a restarted server); the
        // TLS port is always ours to pick again.
        if (!logTail().contains(QLatin1String("Address already in use"))
            || ((m_options.port || m_hasRun) && !tls))
            break;
    }
    return lastError;
}

void LocalRedisServer::stop() {
    m_watching = false;
    if (!isRunning())
        return;
    m_process->terminate();
    if (!m_process->waitForFinished(10000)) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

void LocalRedisServer::kill() {
    if (!isRunning())
        return;
    m_process->kill();
    m_process->waitForFinished(5000);
}

} // namespace streamscope
