#include "GroupPoller.h"

#include "AutoClient.h"

#include <QDateTime>

#include <algorithm>

namespace streamscope {

GroupPoller::GroupPoller(ConnectionSettings settings, Options options)
    : m_settings(std::move(settings))
    , m_options(options) {
    qRegisterMetaType<GroupSnapshot>();
    m_settings.clientName = QStringLiteral("streamscope-groups");
}

void GroupPoller::setStreams(const QList<QByteArray> &streams) {
    {
        QMutexLocker lock(&m_mutex);
        if (streams == m_streams)
            return; // the GUI hands the list over every poll: no extra poll for no change
        m_streams = streams;
    }
    pollNow();
}

void GroupPoller::setHealthOptions(const HealthOptions &options) {
    {
        QMutexLocker lock(&m_mutex);
        m_options.health = options;
    }
    pollNow();
}

FindingList GroupJudge::judge(const StreamInfo &stream, const GroupStatus &group,
                              const PendingSample &pending, qint64 nowMs,
                              const HealthOptions &health, int intervalMs) {
    QList<Sample> &h = m_history[groupKey(stream.name, group.name)];
    const qint64 window = qint64(health.windowSeconds) * 1000;
    // Keep one sample at least the window old, and nothing older.
    while (h.size() > 1 && nowMs - h.at(1).atMs >= window)
        h.removeFirst();
    // Judge progress only once the history spans the window; until then the one-snapshot
    // rules apply.
    QList<GroupStatus> earlier;
    if (!h.isEmpty() && nowMs - h.first().atMs >= window - intervalMs / 2)
        earlier.append(h.first().group);
    FindingList findings = evaluateGroup(stream, group, earlier, pending, health);
    h.append({nowMs, group});
    return findings;
}

void GroupJudge::forgetAllBut(const QSet<QByteArray> &groupKeys) {
    for (auto it = m_history.begin(); it != m_history.end();)
        it = groupKeys.contains(it.key()) ? std::next(it) : m_history.erase(it);
}

void GroupPoller::run() {
    AutoClient connection(m_settings);
    connection.setCancelFlag(&stopFlag());
    int version = 0;
    GroupJudge judge;
    while (!stopFlag()) {
        if (!connection.isOpen()) {
            if (Error e = connection.open()) {
                if (!stopFlag())
                    Q_EMIT pollFailed(e);
                if (!waitAfterFailedConnect(e, qMax(m_options.intervalMs, 1000)))
                    break;
                continue;
            }
            version = fetchServerVersion(connection);
        }
        QList<QByteArray> streams;
        HealthOptions health;
        {
            QMutexLocker lock(&m_mutex);
            streams = m_streams;
            health = m_options.health;
        }
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // One node at a time (one group standalone): a cluster node that fails is reported by
        // name and the others' groups still come.
        const bool onCluster = connection.topology() == RedisClient::Topology::Cluster;
        const QList<RedisClient::Node> nodes = connection.nodes();
        QList<QPair<QString, QList<QByteArray>>> byNode;
        for (const QByteArray &name : streams) {
            const QString node = primaryOf(nodes, streamSlot(connection, name));
            auto it = std::find_if(byNode.begin(), byNode.end(),
                                   [&](const auto &g) { return g.first == node; });
            if (it == byNode.end())
                it = byNode.insert(byNode.end(), {node, {}});
            it->second.append(name);
        }
        StreamStatusList polled;
        QHash<QByteArray, PendingSample> pending;
        bool refused = false; // no snapshot: one server that failed, or a refusal (NOPERM)
        for (const auto &[node, names] : byNode) {
            // A stream the user may not read comes back marked (info.noAccess), and a user
            // without XPENDING or XRANGE still gets the rest: only a refusal of XINFO ends it.
            auto status = fetchStreamStatus(connection, names, version, true);
            Result<QHash<QByteArray, PendingSample>> samples = QHash<QByteArray, PendingSample>();
            if (status.ok())
                samples = fetchPendingSamples(connection, status.value(), health);
            if (!status.ok() || !samples.ok()) {
                Error e = status.ok() ? samples.error() : status.error();
                if (onCluster && !e.message.contains(node))
                    e.message += QStringLiteral(" (cluster node %1)").arg(node);
                if (!stopFlag())
                    Q_EMIT pollFailed(e);
                refused = !onCluster || isPermissionRefusal(e);
                if (refused)
                    break; // one server, or a refusal that every node would give
                continue;
            }
            polled += status.value();
            pending.insert(samples.value());
        }
        if (!refused) {
            GroupSnapshot snap;
            snap.atMs = now;
            snap.streams = polled;
            QSet<QByteArray> live;
            for (const StreamStatus &s : snap.streams)
                for (const GroupStatus &g : s.groups) {
                    const QByteArray key = groupKey(s.info.name, g.name);
                    live.insert(key);
                    snap.findings.insert(key, judge.judge(s.info, g, pending.value(key), now,
                                                          health, m_options.intervalMs));
                }
            judge.forgetAllBut(live);
            Q_EMIT snapshot(snap);
        }
        if (!waitForNextPoll(m_options.intervalMs))
            break;
    }
    Q_EMIT finished();
}

} // namespace streamscope
