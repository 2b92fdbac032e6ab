#include "LocalRedisSentinel.h"

#include "RedisConnection.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>

#include <csignal>

namespace streamscope {

namespace {

// How quickly the sentinels act: a server silent for downAfterMs is down; a failover that has
// not finished within failoverTimeoutMs is given up (and the next one waits twice as long).
constexpr int downAfterMs = 1000;
constexpr int failoverTimeoutMs = 5000;

QString fieldOf(const RedisReply &flat, const char *name) {
    const RedisReply *value = flat.field(name);
    return value ? QString::fromUtf8(value->bytes()) : QString();
}

} // namespace

LocalRedisSentinel::LocalRedisSentinel(QString masterName)
    : m_masterName(std::move(masterName)) {}

LocalRedisSentinel::~LocalRedisSentinel() {
    stop();
}

QString LocalRedisSentinel::url() const {
    QStringList at;
    for (const Sentinel &s : m_sentinels)
        at << QStringLiteral("127.0.0.1:%1").arg(s.port);
    return QStringLiteral("redis+sentinel://%1/%2").arg(at.join(QLatin1Char(',')), m_masterName);
}

ConnectionSettings LocalRedisSentinel::settings() const {
    return ConnectionSettings::fromUrl(url()).value();
}

Result<RedisReply> LocalRedisSentinel::ask(int sentinel, const Command &command) const {
    ConnectionSettings s;
    s.host = QStringLiteral("127.0.0.1");
    s.port = m_sentinels.at(size_t(sentinel)).port;
    s.connectTimeoutMs = 1000;
    s.clientName = QStringLiteral("streamscope-fixture");
    RedisConnection connection(s);
    if (Error e = connection.open())
        return e;
    return connection.command(command);
}

Error LocalRedisSentinel::start(int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 2; ++i) {
        LocalRedisServer::Options options;
        if (i == 1)
            options.extraArgs = {QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"),
                                 QString::number(m_servers.front()->port())};
        m_servers.push_back(std::make_unique<LocalRedisServer>(options));
        if (Error e = m_servers.back()->start())
            return Error(e.kind,
                         QStringLiteral("the %1: %2")
                             .arg(i == 0 ? QStringLiteral("primary") : QStringLiteral("replica"),
                                  e.message));
    }
    m_sentinels.resize(sentinelCount);
    for (int i = 0; i < sentinelCount; ++i)
        if (Error e = startSentinel(i))
            return e;
    return waitUntilReady(qMax(1000, timeoutMs - int(clock.elapsed())));
}

Error LocalRedisSentinel::startSentinel(int i, int timeoutMs) {
    Sentinel &s = m_sentinels.at(size_t(i));
    if (s.process && s.process->state() != QProcess::NotRunning)
        return {};
    const QString program = LocalRedisServer::executable();
    if (program.isEmpty())
        return Error(Error::Kind::Connect,
                     QStringLiteral("redis-server was not found on PATH: install it with "
                                    "`apt-get install redis-server` (it runs the sentinels too)"));
    if (!s.dir) {
        s.dir = std::make_unique<QTemporaryDir>(QDir::tempPath()
                                                + QStringLiteral("/streamscope-sentinel-XXXXXX"));
        if (!s.dir->isValid())
            return Error(Error::Kind::Connect,
                         QStringLiteral("cannot create a temporary directory: %1")
                             .arg(s.dir->errorString()));
        s.port = LocalRedisServer::freePort();
        // The sentinel rewrites this file with what it learns: it lives in its own directory.
        QFile config(s.dir->filePath(QStringLiteral("sentinel.conf")));
        if (!config.open(QIODevice::WriteOnly))
            return Error(Error::Kind::Connect,
                         QStringLiteral("cannot write %1").arg(config.fileName()));
        const QByteArray name = m_masterName.toUtf8();
        config.write(
            "port " + QByteArray::number(s.port) + "\nbind 127.0.0.1\ndaemonize no\n" + "dir "
            + s.dir->path().toUtf8() + "\nlogfile "
            + s.dir->filePath(QStringLiteral("sentinel.log")).toUtf8() + "\nsentinel monitor "
            + name + " 127.0.0.1 " + QByteArray::number(m_servers.front()->port()) + " 2\n"
            + "sentinel down-after-milliseconds " + name + ' ' + QByteArray::number(downAfterMs)
            + "\nsentinel failover-timeout " + name + ' ' + QByteArray::number(failoverTimeoutMs)
            + "\nsentinel parallel-syncs " + name + " 1\n");
    }
    s.process = std::make_unique<QProcess>();
    s.process->setProgram(program);
    s.process->setArguments(
        {s.dir->filePath(QStringLiteral("sentinel.conf")), QStringLiteral("--sentinel")});
    s.process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    s.process->setStandardOutputFile(QProcess::nullDevice());
    dieWithParent(*s.process);
    s.process->start();
    if (!s.process->waitForStarted(timeoutMs))
        return Error(Error::Kind::Connect,
                     QStringLiteral("cannot start a sentinel: %1").arg(s.process->errorString()));
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs && s.process->state() == QProcess::Running) {
        auto pong = ask(i, {"PING"});
        if (pong.ok())
            return {};
        QThread::msleep(20);
        s.process->waitForFinished(0);
    }
    QFile log(s.dir->filePath(QStringLiteral("sentinel.log")));
    (void)log.open(QIODevice::ReadOnly);
    return Error(Error::Kind::Connect,
                 QStringLiteral("a sentinel did not come up on port %1. Its log:\n%2")
                     .arg(s.port)
                     .arg(QString::fromUtf8(log.readAll().right(2000))));
}

void LocalRedisSentinel::killSentinel(int i) {
    Sentinel &s = m_sentinels.at(size_t(i));
    if (s.process && s.process->state() != QProcess::NotRunning) {
        s.process->kill();
        s.process->waitForFinished(5000);
    }
}

void LocalRedisSentinel::freezeSentinel(int i, bool frozen) {
    Sentinel &s = m_sentinels.at(size_t(i));
    if (s.process && s.process->state() != QProcess::NotRunning)
        ::kill(pid_t(s.process->processId()), frozen ? SIGSTOP : SIGCONT);
}

void LocalRedisSentinel::stop() {
    for (Sentinel &s : m_sentinels)
        if (s.process && s.process->state() != QProcess::NotRunning) {
            ::kill(pid_t(s.process->processId()), SIGCONT); // a frozen one would not stop
            s.process->terminate();
            if (!s.process->waitForFinished(5000)) {
                s.process->kill();
                s.process->waitForFinished(2000);
            }
        }
    for (auto &server : m_servers)
        server->stop();
}

Error LocalRedisSentinel::waitUntilReady(int timeoutMs) {
    // Each sentinel learns the replica from the primary's INFO and the other sentinels from
    // their hello messages (every 2 s): until then it could not agree to a failover.
    QElapsedTimer clock;
    clock.start();
    QString missing;
    while (clock.elapsed() < timeoutMs) {
        missing.clear();
        for (int i = 0; i < sentinelCount && missing.isEmpty(); ++i) {
            auto master = ask(i, {"SENTINEL", "MASTER", m_masterName.toUtf8()});
            if (!master.ok() || master->isError()) {
                missing = QStringLiteral("sentinel %1 does not answer SENTINEL MASTER: %2")
                              .arg(sentinelPort(i))
                              .arg(master.ok() ? master->errorMessage() : master.error().message);
                continue;
            }
            if (fieldOf(master.value(), "num-slaves").toInt() < 1)
                missing =
                    QStringLiteral("sentinel %1 has not seen the replica").arg(sentinelPort(i));
            else if (fieldOf(master.value(), "num-other-sentinels").toInt() < sentinelCount - 1)
                missing = QStringLiteral("sentinel %1 knows %2 of the other %3 sentinels")
                              .arg(sentinelPort(i))
                              .arg(fieldOf(master.value(), "num-other-sentinels"))
                              .arg(sentinelCount - 1);
        }
        if (missing.isEmpty())
            return waitForReplica(qMax(1000, timeoutMs - int(clock.elapsed())));
        QThread::msleep(100);
    }
    return Error(Error::Kind::Timeout,
                 QStringLiteral("the sentinels were not ready within %1 ms: %2")
                     .arg(timeoutMs)
                     .arg(missing));
}

Result<QString> LocalRedisSentinel::primaryEndpoint() const {
    Error last(Error::Kind::Connect, QStringLiteral("no sentinel runs"));
    for (int i = 0; i < sentinelCount; ++i) {
        const Sentinel &s = m_sentinels.at(size_t(i));
        if (!s.process || s.process->state() == QProcess::NotRunning)
            continue;
        auto reply = ask(i, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", m_masterName.toUtf8()});
        if (!reply.ok()) {
            last = reply.error();
            continue;
        }
        if (!reply->isArray() || reply->size() != 2)
            return Error(Error::Kind::Server,
                         QStringLiteral("unexpected answer %1").arg(reply->toDebugString()));
        return QStringLiteral("%1:%2").arg(QString::fromUtf8(reply->at(0).bytes()),
                                           QString::fromUtf8(reply->at(1).bytes()));
    }
    return last;
}

int LocalRedisSentinel::primaryIndex() const {
    auto endpoint = primaryEndpoint();
    if (!endpoint.ok())
        return -1;
    for (size_t i = 0; i < m_servers.size(); ++i)
        if (endpoint.value() == QStringLiteral("127.0.0.1:%1").arg(m_servers[i]->port()))
            return int(i);
    return -1;
}

Error LocalRedisSentinel::waitForReplica(int timeoutMs) {
    // In sync on the replica's side and, for the sentinels, a replica in good standing (a
    // failover promotes only such a one).
    QElapsedTimer clock;
    clock.start();
    QString why = QStringLiteral("the primary is unknown");
    while (clock.elapsed() < timeoutMs) {
        const int primary = primaryIndex();
        if (primary >= 0) {
            LocalRedisServer &replica = *m_servers.at(size_t(1 - primary));
            RedisConnection connection(replica.settings());
            auto info = connection.open() ? Result<RedisReply>(Error(Error::Kind::Connect, {}))
                                          : connection.command({"INFO", "replication"});
            const bool linked = info.ok() && info->bytes().contains("role:slave")
                                && info->bytes().contains("master_link_status:up");
            bool good = false;
            if (linked) {
                auto replicas = ask(0, {"SENTINEL", "REPLICAS", m_masterName.toUtf8()});
                if (replicas.ok() && replicas->isArray())
                    for (const RedisReply &r : replicas->elements())
                        good = good
                               || (fieldOf(r, "port").toUInt() == replica.port()
                                   && fieldOf(r, "flags") == QLatin1String("slave")
                                   && fieldOf(r, "master-link-status") == QLatin1String("ok"));
            }
            if (good)
                return {};
            why = linked ? QStringLiteral("the sentinels do not see 127.0.0.1:%1 as a good replica "
                                          "yet")
                               .arg(replica.port())
                         : QStringLiteral("127.0.0.1:%1 does not replicate the primary yet")
                               .arg(replica.port());
        }
        QThread::msleep(100);
    }
    return Error(Error::Kind::Timeout,
                 QStringLiteral("no replica within %1 ms: %2").arg(timeoutMs).arg(why));
}

Error LocalRedisSentinel::failover(int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    if (Error e = waitForReplica(timeoutMs))
        return e;
    const auto before = primaryEndpoint();
    if (!before.ok())
        return before.error();
    // A sentinel may still be busy with the last failover (INPROG) for a moment.
    for (;;) {
        auto done = ask(0, {"SENTINEL", "FAILOVER", m_masterName.toUtf8()});
        if (!done.ok())
            return done.error();
        if (!done->isError())
            break;
        if (clock.elapsed() >= timeoutMs)
            return Error(Error::Kind::Server,
                         QStringLiteral("SENTINEL FAILOVER: %1").arg(done->errorMessage()));
        QThread::msleep(200);
    }
    while (clock.elapsed() < timeoutMs) {
        bool all = true;
        QString named;
        for (int i = 0; i < sentinelCount && all; ++i) {
            const Sentinel &s = m_sentinels.at(size_t(i));
            if (!s.process || s.process->state() == QProcess::NotRunning)
                continue;
            auto reply = ask(i, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", m_masterName.toUtf8()});
            const QString now =
                reply.ok() && reply->isArray()
                    ? QStringLiteral("%1:%2").arg(QString::fromUtf8(reply->at(0).bytes()),
                                                  QString::fromUtf8(reply->at(1).bytes()))
                    : QString();
            all = !now.isEmpty() && now != before.value() && (named.isEmpty() || now == named);
            named = now;
        }
        if (all) {
            const int primary = primaryIndex();
            if (primary >= 0) {
                RedisConnection connection(m_servers.at(size_t(primary))->settings());
                auto role = connection.open() ? Result<RedisReply>(Error(Error::Kind::Connect, {}))
                                              : connection.command({"ROLE"});
                if (role.ok() && role->at(0).bytes() == "master")
                    return {};
            }
        }
        QThread::msleep(50);
    }
    return Error(Error::Kind::Timeout,
                 QStringLiteral("the sentinels did not announce a new primary within %1 ms of "
                                "SENTINEL FAILOVER")
                     .arg(timeoutMs));
}

} // namespace streamscope
