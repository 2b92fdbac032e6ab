#pragma once

#include "ConnectionSettings.h"
#include "Error.h"
#include "StreamEntry.h"
#include "StreamId.h"
#include "WorkerThread.h"

#include <QMap>
#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QWaitCondition>

#include <atomic>
#include <optional>

namespace streamscope {

class RedisConnection;
using Command = QList<QByteArray>;
struct StreamInfo;

enum class TailState { Connecting, Live, Reconnecting, Stopped, Failed };
QString tailStateName(TailState state);

// Entries the reader will never see because they were trimmed or deleted before it read them.
struct TailGap {
    QByteArray stream;
    StreamId lastSeenId;                      // the reader's position when it noticed
    std::optional<StreamId> firstSurvivingId; // where it continues, when the server can tell
    qint64 lost = -1;                         // how many entries; -1 when the server cannot tell
    QString describe() const;
};

struct StreamTailStats {
    QByteArray stream;
    StreamId lastId;
    qint64 received = 0;
    qint64 lagEntries = -1; // entries added but not yet read; -1 unknown (servers before 7.0)
    qint64 lagMs = 0;       // age of the newest entry minus age of the last one read
    bool atEnd = false;
};

struct TailStats {
    qint64 entries = 0;
    qint64 bytes = 0;
    qint64 batches = 0;
    qint64 reconnects = 0;
    double entriesPerSecond = 0;
    double bytesPerSecond = 0;
    QList<StreamTailStats> streams;
};

// Tails a set of streams with blocking XREAD on its own connection. Lives on its own thread:
// run() loops until requestStop(). Entries leave by value, one batch per XREAD reply, in ID
// (time) order across streams.
//
// Position: each stream starts at "$" (resolved once to the stream's last ID, so that a
// reconnect before the first entry loses nothing), "0" or an ID, and afterwards always continues
// from the last ID received. After a reconnect it resumes there: nothing missed, nothing twice.
// Entries trimmed or deleted before they were read are reported as a gap (exact counts from
// entries-added on 7.0+).
class StreamTailer : public QObject {
    Q_OBJECT
public:
    struct Options {
        int count = 1000;           // entries per stream per XREAD
        int blockMs = 1000;         // how long one XREAD waits for new entries
        int statsIntervalMs = 1000; // stats, lag and gap checks
        int initialBackoffMs = 100; // first reconnect delay, doubled up to maxBackoffMs
        int maxBackoffMs = 5000;
        bool retryInitialConnect = true; // false: a failed first connect ends the tail (CLI)
    };

    StreamTailer(ConnectionSettings settings, Options options);
    explicit StreamTailer(ConnectionSettings settings);
    ~StreamTailer() override;

    // Thread-safe. from: "$" (only new entries), "0" (from the start) or an entry ID.
    // An ID is validated by the caller (StreamId::parse); anything else is treated as "$".
    void addStream(const QByteArray &stream, const QByteArray &from = "$");
    void removeStream(const QByteArray &stream);
    // Thread-safe; run() returns promptly, even from inside a long BLOCK.
    void requestStop();

    // The loop; returns after requestStop() or a failure that retrying cannot fix.
    Q_SLOT void run();

Q_SIGNALS:
    void entriesReceived(const streamscope::StreamEntryList &batch);
    void stateChanged(streamscope::TailState state, const QString &detail);
    void gapDetected(const streamscope::TailGap &gap);
    void streamFailed(const QByteArray &stream, const QString &message);
    void statsUpdated(const streamscope::TailStats &stats);
    // Every stream has been read to its end (once per run).
    void caughtUp();
    void failed(const streamscope::Error &error);
    void finished();

private:
    struct Tracked {
        QByteArray name;
        StreamId lastId;
        bool resolveDollar = false;            // "$" not yet turned into an ID
        bool explicitStart = false;            // started at a user-given ID
        std::optional<qint64> addedThrough;    // entries-added up to and including lastId
        std::optional<StreamId> reportedGapAt; // servers before 7.0: report each gap once
        qint64 received = 0;
        qint64 lagEntries = -1;
        qint64 lagMs = 0;
        bool atEnd = false;
    };
    struct Change {
        bool add = true;
        QByteArray stream;
        QByteArray from;
    };

    void applyChanges();
    bool sleepInterruptibly(int ms); // false when asked to stop
    void setState(TailState state, const QString &detail);
    // XINFO STREAM result for one tracked stream: resolve "$", detect gaps, update lag.
    void checkStream(Tracked &stream, const RedisReply &info);
    void handleBatch(StreamEntryList &&batch);
    void maybeEmitStats(bool force);
    Command buildRead(bool block) const;

    ConnectionSettings m_settings;
    Options m_options;

    QMutex m_mutex; // guards m_changes and m_blocking, and is the wait condition's mutex
    QWaitCondition m_wake;
    QList<Change> m_changes;
    bool m_blocking = false;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_interrupt{false}; // ends the command under way (stop or a change)

    // Reader-thread state.
    std::vector<Tracked> m_streams;
    TailState m_state = TailState::Stopped;
    TailStats m_stats;
    qint64 m_lastStatsAt = 0;
    qint64 m_entriesAtLastStats = 0;
    qint64 m_bytesAtLastStats = 0;
    qint64 m_bytesBase = 0; // bytes of earlier connections
    bool m_caughtUpEmitted = false;
    RedisConnection *m_connection = nullptr;
};

// The tailer on its own thread, "streamscope-tail".
class TailController : public WorkerThread<StreamTailer> {
public:
    TailController(ConnectionSettings settings, StreamTailer::Options options)
        : WorkerThread(QStringLiteral("streamscope-tail"),
                       std::make_unique<StreamTailer>(std::move(settings), options)) {}
    StreamTailer *tailer() const { return worker(); }
};

void registerCoreMetaTypes();

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::TailState)
Q_DECLARE_METATYPE(streamscope::TailGap)
Q_DECLARE_METATYPE(streamscope::TailStats)
