#include "LocalRedisCluster.h"

#include "RedisConnection.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QThread>

#include <algorithm>

namespace streamscope {

LocalRedisCluster::LocalRedisCluster()
    : LocalRedisCluster(Options()) {}

LocalRedisCluster::LocalRedisCluster(Options options)
    : m_options(options) {}

LocalRedisCluster::~LocalRedisCluster() {
    stop();
}

QString LocalRedisCluster::cliExecutable() {
    QString path = QStandardPaths::findExecutable(QStringLiteral("redis-cli"));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(
            QStringLiteral("redis-cli"),
            {QStringLiteral("/usr/bin"), QStringLiteral("/usr/local/bin")});
    return path;
}

QString LocalRedisCluster::url(int i) const {
    return m_nodes.at(size_t(i))->url();
}

ConnectionSettings LocalRedisCluster::settings(int i) const {
    ConnectionSettings s = m_nodes.at(size_t(i))->settings();
    s.password = m_options.password;
    return s;
}

Error LocalRedisCluster::start(int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    const QString cli = cliExecutable();
    if (cli.isEmpty())
        return Error(Error::Kind::Connect,
                     QStringLiteral("redis-cli was not found on PATH: install it with "
                                    "`apt-get install redis-tools` (it creates the cluster)"));
    stop();
    m_nodes.clear();
    const int count = m_options.primaries * (1 + m_options.replicasPerPrimary);
    QStringList endpoints;
    for (int i = 0; i < count; ++i) {
        LocalRedisServer::Options options;
        // The bus port is port + 10000 by default, past 65535 for a high free port: pick it.
        options.extraArgs = {
            QStringLiteral("--cluster-enabled"),      QStringLiteral("yes"),
            QStringLiteral("--cluster-port"),         QString::number(LocalRedisServer::freePort()),
            QStringLiteral("--cluster-node-timeout"), QString::number(m_options.nodeTimeoutMs),
            QStringLiteral("--cluster-config-file"),  QStringLiteral("nodes.conf")};
        // A replica syncs at once, not 5 s later: until it has, it could not take over.
        options.extraArgs << QStringLiteral("--repl-diskless-sync-delay") << QStringLiteral("0");
        if (!m_options.password.isEmpty())
            options.extraArgs << QStringLiteral("--requirepass") << m_options.password
                              << QStringLiteral("--masterauth") << m_options.password;
        auto node = std::make_unique<LocalRedisServer>(options);
        if (Error e = node->start())
            return Error(
                e.kind,
                QStringLiteral("cluster node %1 of %2: %3").arg(i + 1).arg(count).arg(e.message));
        endpoints << QStringLiteral("127.0.0.1:%1").arg(node->port());
        m_nodes.push_back(std::move(node));
    }

    QProcess create;
    create.setProgram(cli);
    create.setArguments(QStringList{QStringLiteral("--cluster"), QStringLiteral("create")}
                        + endpoints
                        + QStringList{QStringLiteral("--cluster-replicas"),
                                      QString::number(m_options.replicasPerPrimary),
                                      QStringLiteral("--cluster-yes")});
    create.setProcessChannelMode(QProcess::MergedChannels);
    // The nodes' own password, never one meant for another server (nor on the command line).
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("REDISCLI_AUTH"));
    if (!m_options.password.isEmpty())
        environment.insert(QStringLiteral("REDISCLI_AUTH"), m_options.password);
    create.setProcessEnvironment(environment);
    dieWithParent(create);
    create.start();
    const int left = qMax(1000, timeoutMs - int(clock.elapsed()));
    if (!create.waitForFinished(left) || create.exitStatus() != QProcess::NormalExit
        || create.exitCode() != 0) {
        const QString output = QString::fromUtf8(create.readAll());
        create.kill();
        create.waitForFinished(2000);
        return Error(Error::Kind::Connect,
                     QStringLiteral("`redis-cli --cluster create` failed (exit code %1): %2")
                         .arg(create.exitCode())
                         .arg(output.right(2000)));
    }
    return waitUntilHealthy(qMax(1000, timeoutMs - int(clock.elapsed())));
}

namespace {

// A node's view of the cluster from CLUSTER NODES, without what differs between viewers
// (myself, ping times, link state): ID, role, primary and slots of every node, sorted.
QByteArray viewOf(const QByteArray &nodes) {
    QList<QByteArray> lines;
    for (const QByteArray &line : nodes.split('\n')) {
        const QList<QByteArray> f = line.trimmed().split(' ');
        if (f.size() < 8)
            continue;
        QList<QByteArray> flags = f.at(2).split(',');
        flags.removeAll("myself");
        QByteArray entry = f.at(0) + ' ' + flags.join(',') + ' ' + f.at(3);
        for (qsizetype i = 8; i < f.size(); ++i)
            entry += ' ' + f.at(i);
        lines << entry;
    }
    std::sort(lines.begin(), lines.end());
    return lines.join('\n');
}

} // namespace

Error LocalRedisCluster::waitUntilHealthy(int timeoutMs) const {
    // Healthy: every running node says cluster_state:ok with all slots served, every running
    // replica is in sync with its primary, and all of them see the same nodes in the same roles
    // (cluster_state:ok alone comes before the gossip about replicas and failovers has reached
    // everyone).
    QElapsedTimer clock;
    clock.start();
    QString last;
    while (clock.elapsed() < timeoutMs) {
        QByteArray agreed;
        bool healthy = true;
        for (size_t i = 0; i < m_nodes.size(); ++i) {
            const auto &node = m_nodes[i];
            if (!node->isRunning())
                continue;
            RedisConnection connection(settings(int(i)));
            if (Error e = connection.open()) {
                last = e.message;
                healthy = false;
                break;
            }
            auto replies = connection.pipeline(
                {{"CLUSTER", "INFO"}, {"CLUSTER", "NODES"}, {"INFO", "replication"}});
            if (!replies.ok()) {
                last = replies.error().message;
                healthy = false;
                break;
            }
            const QByteArray info = replies->at(0).bytes();
            const QByteArray view = viewOf(replies->at(1).bytes());
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                last = QStringLiteral("%1 says: %2")
                           .arg(node->url(), QString::fromUtf8(info.left(300)));
                healthy = false;
                break;
            }
            // A replica that has not synced with its primary yet could not replace it.
            const QByteArray replication = replies->at(2).bytes();
            if (replication.contains("role:slave")
                && !replication.contains("master_link_status:up")) {
                last = QStringLiteral("%1 has not synced with its primary yet").arg(node->url());
                healthy = false;
                break;
            }
            if (view.contains("handshake") || view.contains("noaddr")
                || (!agreed.isEmpty() && view != agreed)) {
                last = QStringLiteral("the nodes do not agree yet; %1 sees:\n%2")
                           .arg(node->url(), QString::fromUtf8(view));
                healthy = false;
                break;
            }
            agreed = view;
        }
        if (healthy && !agreed.isEmpty())
            return {};
        QThread::msleep(100);
    }
    return Error(Error::Kind::Timeout,
                 QStringLiteral("the cluster did not become healthy on every node within %1 ms; "
                                "last: %2")
                     .arg(timeoutMs)
                     .arg(last));
}

void LocalRedisCluster::stop() {
    for (auto &node : m_nodes)
        node->stop();
}

} // namespace streamscope
