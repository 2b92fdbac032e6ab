#pragma once

#include "ConnectionSettings.h"
#include "Health.h"
#include "PollingWorker.h"
#include "WorkerThread.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QSet>
#include <QWaitCondition>

#include <atomic>

namespace streamscope {

// One poll: every watched stream's groups, and each group's findings.
struct GroupSnapshot {
    StreamStatusList streams;
    QHash<QByteArray, FindingList> findings; // by groupKey(stream, group)
    qint64 atMs = 0;
    // Streams where nothing happens are polled less often: every quietIntervalMs (0: every
    // stream every time), and each stream's figures are as of its sampledAtMs.
    int quietIntervalMs = 0;
    int polledNow = 0;   // streams polled for this snapshot
    int streamLimit = 0; // > 0: more streams match than this many, and only they are watched
};

// The health rules over a window of history, one group at a time (what GroupPoller and
// ServerPoller share). Call judge() each time a group is sampled.
class GroupJudge {
public:
    FindingList judge(const StreamInfo &stream, const GroupStatus &group,
                      const PendingSample &pending, qint64 nowMs, const HealthOptions &health,
                      int intervalMs);
    void forgetAllBut(const QSet<QByteArray> &groupKeys);

private:
    struct Sample {
        qint64 atMs;
        GroupStatus group;
    };
    QHash<QByteArray, QList<Sample>> m_history;
};

// Polls consumer groups off the GUI thread, on its own connection, every intervalMs: pipelined
// XINFO STREAM/GROUPS/CONSUMERS and XPENDING summaries for every watched stream, the pending
// samples the rules need, and the rules themselves over a window of history. The GUI does not
// use it (its ServerPoller polls groups with the stream list, at less cost); tools do.
class GroupPoller : public PollingWorker {
    Q_OBJECT
public:
    struct Options {
        int intervalMs = 1000;
        HealthOptions health; // windowSeconds: history the rules judge (default 30 s)
        Options() { health.windowSeconds = 30; }
    };
    GroupPoller(ConnectionSettings settings, Options options);

    void setStreams(const QList<QByteArray> &streams);   // thread-safe
    void setHealthOptions(const HealthOptions &options); // thread-safe
    Q_SLOT void run();

Q_SIGNALS:
    void snapshot(const streamscope::GroupSnapshot &snapshot);
    void pollFailed(const streamscope::Error &error);

private:
    ConnectionSettings m_settings;
    Options m_options;
    QList<QByteArray> m_streams;
};

class GroupPollerThread : public WorkerThread<GroupPoller> {
public:
    GroupPollerThread(ConnectionSettings settings, GroupPoller::Options options)
        : WorkerThread(QStringLiteral("streamscope-groups"),
                       std::make_unique<GroupPoller>(std::move(settings), options)) {}
    GroupPoller *poller() const { return worker(); }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::GroupSnapshot)
