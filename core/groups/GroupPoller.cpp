#include "GroupPoller.h"

#include "AutoClient.h"

#include <QDateTime>

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
                if (!waitForNextPoll(qMax(m_options.intervalMs, 1000)))
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
        auto status = fetchStreamStatus(connection, streams, version);
        Result<QHash<QByteArray, PendingSample>> pending = QHash<QByteArray, PendingSample>();
        if (status.ok())
            pending = fetchPendingSamples(connection, status.value(), health);
        if (!status.ok() || !pending.ok()) {
            if (!stopFlag())
                Q_EMIT pollFailed(status.ok() ? pending.error() : status.error());
        } else {
            GroupSnapshot snap;
            snap.atMs = now;
            snap.streams = status.value();
            QSet<QByteArray> live;
            for (const StreamStatus &s : snap.streams)
                for (const GroupStatus &g : s.groups) {
                    const QByteArray key = groupKey(s.info.name, g.name);
                    live.insert(key);
                    snap.findings.insert(key, judge.judge(s.info, g, pending->value(key), now,
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
