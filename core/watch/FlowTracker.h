#pragma once

#include "FlowConfig.h"
#include "StreamEntry.h"

#include <QHash>
#include <QMetaType>

#include <array>
#include <deque>
#include <map>
#include <vector>

namespace streamscope {

// A latency as people read it: "350 ms", "1.2 s", "42 s", then formatDuration ("3 min 4 s").
// Flows take milliseconds, so the whole seconds of formatDuration would say "0 s".
QString formatLatency(qint64 ms);

// Latencies in milliseconds, with constant memory: exact below 1024 ms, then 64 buckets per
// power of two (within 1.6 %). Enough for p50/p90/p99 over millions of flows.
class LatencyHistogram {
public:
    void add(qint64 ms);
    qint64 count() const { return m_count; }
    qint64 max() const { return m_max; }
    // The smallest recorded value v with at least q of all values <= v (0 when empty).
    qint64 percentile(double q) const;
    // How many values fall in [from, to).
    qint64 countBetween(qint64 from, qint64 to) const;
    void clear();

private:
    static int bucketOf(qint64 ms);
    static qint64 lowerBound(int bucket);
    static constexpr int exactBuckets = 1024;
    static constexpr int subBuckets = 64;
    static constexpr int bucketCount = exactBuckets + 40 * subBuckets;
    std::array<qint64, bucketCount> m_buckets{};
    qint64 m_count = 0;
    qint64 m_max = 0;
};

struct WaitingFlow {
    QByteArray key;
    StreamId startId;
    qint64 ageMs = 0;
};

struct FinishedFlow {
    QByteArray key;
    StreamId startId;
    StreamId endId;
    bool failed = false;
    qint64 latencyMs() const { return qint64(endId.ms - startId.ms); }
};

struct FlowStats {
    qint64 started = 0;
    qint64 completed = 0;
    qint64 failed = 0;
    qint64 waiting = 0;              // started, no end event yet
    qint64 waitingOverThreshold = 0; // of those, older than the threshold
    qint64 endsWithoutStart = 0;     // end events whose start was not seen (before watching)
    qint64 untracked = 0;            // waiting flows dropped at maxOpenFlows
    qint64 p50 = 0, p90 = 0, p99 = 0, maxLatency = 0; // first event to last, from entry IDs
    QList<WaitingFlow> oldestWaiting;                 // over the threshold, oldest first (bounded)
    QList<FinishedFlow> recentFinished;               // newest first (bounded)
};

// Correlates start and end events by key as entries arrive (any order of batches, each batch in
// ID order). Memory is bounded: one small record per waiting flow (at most maxOpenFlows), a
// fixed-size histogram, and short lists for display. Pure logic: no I/O, no threads.
//
// Cheap per entry (it runs on the GUI thread at the tail's rate, 400,000 entries/s): the type
// and key are read in place, without a copy; waiting flows live in flat arrays (their keys in one
// buffer, an open-addressing index over them, their start IDs in a queue in ID order), so an
// entry costs no allocation, and the memory they take is about 80 bytes a flow plus its key.
class FlowTracker {
public:
    explicit FlowTracker(FlowConfig config = {});
    FlowTracker(const FlowTracker &) = delete; // views bind to one by pointer
    FlowTracker &operator=(const FlowTracker &) = delete;
    const FlowConfig &config() const { return m_config; }
    // A new configuration starts counting afresh.
    void setConfig(const FlowConfig &config);
    void reset();

    void add(const StreamEntryList &batch);
    void add(const StreamEntry &entry);

    // nowMs: the time ages are measured against (the server's clock when known).
    FlowStats stats(qint64 nowMs, int maxListed = 200) const;
    const LatencyHistogram &histogram() const { return m_latency; }
    // Bytes held for the waiting flows (their records, index, queue and keys), for benchmarks.
    qsizetype heldBytes() const;

private:
    enum class Kind { None, Start, Completed, Failed };
    Kind classify(const StreamEntry &entry, QByteArrayView *key) const;
    void start(QByteArrayView key, quint32 hash, StreamId id);
    void finish(QByteArrayView key, quint32 hash, const StreamEntry &end, bool failed);

    // A waiting flow: its start and where its key is in m_keys. Slots are reused (m_freeFlows).
    struct OpenFlow {
        StreamId start;
        quint32 keyPos = 0;
        quint32 keyLen = 0;
        quint32 hash = 0;
        bool used = false;
        bool straggler = false; // in m_stragglers, not m_order
    };
    // The index: linear probing, at most half full; flow -1 is an empty bucket.
    struct Bucket {
        quint32 hash = 0;
        qint32 flow = -1;
    };
    // The queue of starts in ID order; flow -1 once finished (skipped, compacted in bulk).
    struct Queued {
        StreamId start;
        qint32 flow = -1;
    };
    QByteArrayView keyOf(const OpenFlow &f) const {
        return QByteArrayView(m_keys.constData() + f.keyPos, f.keyLen);
    }
    qsizetype findBucket(QByteArrayView key, quint32 hash) const; // -1: not there
    void insertBucket(quint32 hash, qint32 flow);
    void eraseBucket(qsizetype bucket);
    void growIndex();
    void removeFlow(qint32 flow); // from the index, the queue and the slots
    qint32 oldestFlow() const;    // -1 when none
    void dropDeadQueueHead();
    void compactKeys();
    void compactQueue();

    FlowConfig m_config;
    QList<QByteArray> m_failedTypes; // m_config.failedTypes(), split once

    std::vector<OpenFlow> m_flows;
    std::vector<qint32> m_freeFlows;
    std::vector<Bucket> m_index;
    qsizetype m_open = 0;
    QByteArray m_keys;            // the waiting flows' keys, one after another
    qsizetype m_deadKeyBytes = 0; // of finished or dropped flows, until compacted
    std::deque<Queued> m_order;   // starts in ID order (they come in ID order)
    qsizetype m_deadQueued = 0;
    // The few starts that came older than the newest start queued (a stream made again with
    // lower IDs, batches out of order): kept in a map, as cheap as before for them.
    std::multimap<StreamId, qint32> m_stragglers;

    LatencyHistogram m_latency;
    std::vector<FinishedFlow> m_recent; // ring of recentKept, m_recentNext the next to write
    qsizetype m_recentNext = 0;
    qsizetype m_recentCount = 0;
    qint64 m_started = 0, m_completed = 0, m_failed = 0, m_endsWithoutStart = 0, m_untracked = 0;
};

} // namespace streamscope
