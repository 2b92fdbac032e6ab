#pragma once

#include "ConnectionSettings.h"
#include "Error.h"
#include "RedisClient.h"
#include "StreamEntry.h"
#include "StreamId.h"
#include "WorkerThread.h"

#include <QHash>
#include <QMap>
#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QSet>
#include <QWaitCondition>

#include <atomic>
#include <optional>

namespace streamscope {

class ClusterClient;
using Command = QList<QByteArray>;
struct StreamInfo;

enum class TailState { Connecting, Live, Reconnecting, Stopped, Failed };
QString tailStateName(TailState state);

// Entries the reader will never see because they were trimmed or deleted before it read them.
// Reported only when a loss is proven (an exact count or a lower bound from the server's
// figures) or possible (entries before the first survivor were removed and the server cannot
// tell whether any came after our position): the text says which.
struct TailGap {
    enum class Kind { Exact, AtLeast, Possible };
    QByteArray stream;
    StreamId lastSeenId;                      // the reader's position when it noticed
    std::optional<StreamId> firstSurvivingId; // where it continues, when the server can tell
    qint64 lost = -1; // Exact: how many; AtLeast: the lower bound; Possible: -1
    Kind kind = Kind::Exact;
    bool isProven() const { return kind != Kind::Possible; }
    QString describe() const;
};

// The stream's data is not the one the reader was following: it went backwards (FLUSHALL, the
// key deleted and made again, a restart with another dataset, another server on the address).
// The reader starts again at the new data's first entry; nothing of the new data is skipped.
struct TailReset {
    QByteArray stream;
    StreamId lastSeenId;          // the reader's position in the old data
    QString reason;               // what showed it, e.g. "its last ID went back from A to B"
    bool serverRestarted = false; // the server's run_id changed since the last connection
    // A cluster failover lost entries that were read (never replicated to the new primary):
    // nothing is read again, the reader goes on after continuedAfter (zero: the start).
    bool lostInFailover = false;
    StreamId continuedAfter;
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
    int count = 0; // entries per stream per XREAD now (smaller after replies got us killed)
    // Reads sent ahead while catching up: asked for before the reply before them was parsed.
    qint64 readsAhead = 0;
    double entriesPerSecond = 0;
    double bytesPerSecond = 0;
    QList<StreamTailStats> streams;
};

// Tails a set of streams with blocking XREAD on its own connection (its own ClusterClient on a
// cluster: one connection per node, blocking when all streams share one slot, else a round of
// one non-blocking XREAD per slot and a short pause at rest, at rest only on the nodes whose data
// changed; see Options::idlePollMs and fullRoundMs). Lives on its own thread: run() loops until
// requestStop(). Entries leave by value, in batches, in ID (time) order across streams and across
// batches: while some stream still has a backlog, entries of the others that are newer than its
// position wait (at most about one COUNT per stream) until it catches up.
//
// Position: each stream starts at "$" (resolved once to the stream's last ID, so that a
// reconnect before the first entry loses nothing), "0" or an ID, and afterwards always continues
// from the last ID received. After a reconnect it resumes there: nothing missed, nothing twice.
// Entries trimmed or deleted before they were read are reported as a gap (exact counts from
// entries-added on 7.0+); data that went backwards is reported as a reset and read again.
//
// Gentle on the server: XINFO STREAM (which returns the first and last entries whole) is sent
// on each (re)connect with INFO server (run_id), when a stream is behind (at most once per
// statsIntervalMs) or suspect, and otherwise every checkIntervalMs, less often for streams with
// big entries. At rest the reader sends XREAD BLOCK and, every lengthCheckIntervalMs, XLEN: a
// stream holding more entries than it had plus those read cannot be the data we were reading
// (FLUSHALL and new entries below our position), so it is checked at once.
// When the server closes the connection under a read (client-output-buffer-limit), the reader
// backs off, says so, and reads smaller batches, growing them back later.
//
// On a cluster the run_id is asked of the node serving each stream (INFO is keyless). When the
// slot map changes under a stream (failover, slot moved) the reader says so (topologyChanged),
// checks that the new primary holds the last entry read and goes on from there: nothing twice.
// If a killed primary had entries the new one never received, a TailReset (lostInFailover)
// says which were lost, and the reader goes on after the new primary's last one.
class StreamTailer : public QObject {
    Q_OBJECT
public:
    struct Options {
        int count = 1000; // entries per stream per XREAD
        // Catching up on one server, the reads grow (doubling) up to this many entries per
        // stream while every page comes full and a reply stays under catchUpReplyBytes: fewer
        // round trips where entries are small. Back to count at the end of the backlog, after
        // a lost connection and whenever the read-ahead run ends. At most count: no growth.
        int catchUpCount = 16000;
        qint64 catchUpReplyBytes = 2 * 1024 * 1024;
        int blockMs = 1000;               // how long one XREAD waits for new entries
        int statsIntervalMs = 1000;       // stats; the least time between checks of a stream behind
        int checkIntervalMs = 30000;      // XINFO STREAM for gap and reset checks at rest ...
        int checkBytesPerSecond = 256;    // ... or less often, when its replies (whole entries)
                                          // are big: each stream's costs at most this on average
        int lengthCheckIntervalMs = 5000; // XLEN: data that went back shows as unread growth
        // With many streams the routine checks are spread out further, so that watching 1,000
        // streams at rest costs the server little: on average at most this many XINFO STREAM
        // and XLEN a second over all streams (checks of a stream behind or suspect excepted).
        int routineChecksPerSecond = 20;
        int lengthChecksPerSecond = 100;
        int growCountAfterMs = 10000; // a COUNT made smaller grows back (x4) after this long
        // Cluster, streams of several slots: one XREAD may name keys of one slot only, so each
        // round sends one XREAD per slot group without BLOCK (at rest in one pipeline per
        // node), and pauses when nothing came: 10 ms, doubling up to this (longer, up to
        // 150 ms, with over 500 slot groups).
        int idlePollMs = 100;
        // ... unless the nodes can tell: at rest each round first asks every node whether its
        // data changed (INFO persistence: rdb_changes_since_last_save, which every write moves)
        // and reads only those that changed, every idlePollMs; all of them at least this often
        // (a change the counter did not show costs latency, never entries). A node that refuses
        // INFO (ACL) is read every round.
        int fullRoundMs = 1500;
        // ... and entries of several nodes leave in time order: those newer than the start of
        // the last round of reads wait for the next round. The start is taken on each node's
        // clock (measured against ours with INFO server on connect), less this margin.
        int clockSkewMs = 20;
        int initialBackoffMs = 100; // first reconnect delay, doubled up to maxBackoffMs
        int maxBackoffMs = 5000;
        bool retryInitialConnect = true; // false: a failed first connect ends the tail (CLI)
        // The loop ends right after caughtUp(), before another read (tail --exit-at-end):
        // stopping from outside would wait for the blocking read after it to notice.
        bool stopWhenCaughtUp = false;
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
    void streamReset(const streamscope::TailReset &reset);
    // A cluster node the tail reads from failed over or a slot moved: which node, to whom,
    // and that nothing was missed or repeated (or what was). Also on the status bar.
    void topologyChanged(const QString &message);
    // A stream is no longer tailed (stream empty: a warning about all of them).
    void streamFailed(const QByteArray &stream, const QString &message);
    void statsUpdated(const streamscope::TailStats &stats);
    // Every stream has been read to its end, nothing held back (once, and again after a stream
    // was added or reset).
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
        bool existed = false;                  // the server showed the stream holding our position
        bool checkNow = true;   // XINFO STREAM before the next read (new stream, reconnect)
        bool checkSoon = false; // XINFO STREAM once statsIntervalMs allows (behind, suspect)
        StreamId lastGenerated; // as of the last check
        std::optional<StreamId> firstAtCheck;      // its first entry then
        std::optional<StreamId> maxDeletedAtCheck; // its max-deleted-entry-id then (7.0+)
        std::optional<quint64> lastPrint;          // fingerprint of the entry at lastId
        qint64 checkedAt = 0;                      // when XINFO STREAM was last read
        qint64 infoBytes = 0;                      // the size of that reply
        // XLEN, sent every lengthCheckIntervalMs just before a read: it can drop only when
        // entries were removed, and grow at most by what the reads since the last one got.
        std::optional<qint64> lastLength;
        qint64 readSinceLength = 0;
        std::optional<qint64> lengthBeforeRead; // for the read under way
        // Entries read since the last check that found the data consistent (bounded): after a
        // reset, those of them that are also in the new data are not delivered twice.
        QSet<quint64> readSinceCheck;
        QSet<quint64> skip;                  // after a reset: readSinceCheck of the old data
        std::optional<StreamId> skipThrough; // ... up to this ID
        StreamEntryList held; // read, waiting for the other streams' backlog (time order)
        qint64 received = 0;
        qint64 lagEntries = -1;
        qint64 lagMs = 0;
        bool atEnd = false;
        // Cluster: the stream's slot, the node it was last checked on and that node's run_id.
        int slot = 0;
        QString node;
        QByteArray runId;
        // Set when the slot map moved the stream to another node, until checked there: the old
        // node, and the position (with its fingerprint) the new node must hold.
        QString movedFrom;
        StreamId movedAt;
        std::optional<quint64> movedPrint;
        bool movedVerifiable = false;
    };
    struct Change {
        bool add = true;
        QByteArray stream;
        QByteArray from;
    };

    void applyChanges();
    bool sleepInterruptibly(int ms); // false when asked to stop
    void setState(TailState state, const QString &detail);
    // XINFO STREAM result for one tracked stream: resolve "$", detect resets and gaps, lag.
    void checkStream(Tracked &stream, const RedisReply &info, bool serverRestarted);
    void resetStream(Tracked &stream, const QString &reason, bool serverRestarted);
    // After a restart: is the entry at each position still the one read? Fails only when the
    // connection did.
    Error verifyLastEntries(RedisClient &connection, const std::vector<size_t> &which);
    // Cluster: compares the slot map with the streams' nodes; marks moved streams, says so.
    void noticeTopology();
    // A moved stream's XREVRANGE movedAt - COUNT 1 on its new node: entries lost?
    void checkMoved(Tracked &stream, const RedisReply &newest);
    // The node serving a stream now ("host:port"; the server when standalone).
    QString nodeOf(const Tracked &stream) const;
    // The streams of included, one group per slot (one group when standalone).
    std::vector<std::vector<size_t>> slotGroups(const std::vector<size_t> &included) const;
    // Files a reply's entries under their streams; included: the streams the XREAD asked for.
    // count: the COUNT of the read that brought it (a page that full is not the end).
    void handleBatch(StreamEntryList &&batch, const std::vector<size_t> &included, int count);
    // Emits the held entries that no stream with a backlog can still precede, in ID order.
    void releaseHeld();
    void maybeEmitStats(bool force);
    // Cluster, several slot groups: the pause after a round of reads; false when asked to stop.
    bool pauseWhenIdle(bool received, int groups);
    // Cluster at rest: of nodes, those whose data changed since their last read (or that
    // cannot tell); all when full or a full round is due. Fails when a node's connection did.
    Result<QSet<QString>> nodesToRead(RedisClient &connection, const QSet<QString> &nodes,
                                      bool full);
    int blockMs() const; // BLOCK of a read that waits: longer with many streams
    Command buildRead(bool block, const std::vector<size_t> &included) const;

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
    int m_count = 0;      // COUNT now
    int m_readCount = 0;  // COUNT of the next read: m_count, or more while catching up
    int m_catchUpCap = 0; // how far m_readCount may grow (less after a grown read got us killed)
    qint64 m_countShrunkAt = 0;              // when the last kill made it smaller
    int m_growAfterMs = 0;                   // doubles each time a grown COUNT got us killed again
    QHash<QString, QByteArray> m_nodeRunIds; // INFO server run_id per node, this connection
    RedisClient *m_connection = nullptr;
    ClusterClient *m_cluster = nullptr; // m_connection's cluster client, when it is one
    qint64 m_topologyVersion = -1;
    QList<RedisClient::Node> m_knownNodes; // the map as of m_topologyVersion
    qint64 m_connectionsOpened = -1;
    int m_idlePauseMs = 0;
    // Cluster at rest: per node, its change mark (INFO persistence) taken before its last
    // read; the nodes that refused INFO; both as of a slot map and set of node connections.
    QHash<QString, QByteArray> m_nodeChanges;
    QSet<QString> m_changesRefused;
    std::pair<qint64, qint64> m_changesEpoch{-1, -1};
    qint64 m_lastFullRoundAt = 0;
    // Several slot groups: entries up to here were all read (the last round's start).
    std::optional<StreamId> m_watermark;
    QHash<QString, qint64> m_clockOffsets; // per node: its clock minus ours, ms
    qint64 m_clockOffsetMin = 0;           // over the nodes read from
    qint64 m_clockOffsetMax = 0;
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
Q_DECLARE_METATYPE(streamscope::TailReset)
Q_DECLARE_METATYPE(streamscope::TailStats)
