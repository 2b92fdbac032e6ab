#include "FlowTracker.h"

#include "Wording.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace streamscope {

namespace {
constexpr int recentKept = 200;
}

QString formatLatency(qint64 ms) {
    if (ms < 0)
        ms = 0;
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 10000)
        return QStringLiteral("%1.%2 s").arg(ms / 1000).arg((ms % 1000) / 100); // cut, not rounded
    if (ms < 60000)
        return QStringLiteral("%1 s").arg(ms / 1000);
    return formatDuration(ms);
}

// ---- LatencyHistogram ----------------------------------------------------------------------

int LatencyHistogram::bucketOf(qint64 ms) {
    if (ms < exactBuckets)
        return int(std::max<qint64>(ms, 0));
    int exponent = 63 - __builtin_clzll(quint64(ms)); // >= 10
    const int sub = int((quint64(ms) >> (exponent - 6)) & (subBuckets - 1));
    return std::min(exactBuckets + (exponent - 10) * subBuckets + sub, bucketCount - 1);
}

qint64 LatencyHistogram::lowerBound(int bucket) {
    if (bucket < exactBuckets)
        return bucket;
    const int exponent = 10 + (bucket - exactBuckets) / subBuckets;
    const int sub = (bucket - exactBuckets) % subBuckets;
    return qint64(subBuckets + sub) << (exponent - 6);
}

void LatencyHistogram::add(qint64 ms) {
    ++m_buckets[bucketOf(ms)];
    ++m_count;
    m_max = std::max(m_max, ms);
}

qint64 LatencyHistogram::percentile(double q) const {
    if (m_count == 0)
        return 0;
    const qint64 target = std::max<qint64>(1, qint64(std::ceil(q * double(m_count))));
    qint64 seen = 0;
    for (int b = 0; b < bucketCount; ++b) {
        seen += m_buckets[b];
        if (seen >= target)
            return std::min(b + 1 < bucketCount ? lowerBound(b + 1) - 1 : m_max, m_max);
    }
    return m_max;
}

qint64 LatencyHistogram::countBetween(qint64 from, qint64 to) const {
    qint64 n = 0;
    const int last = to > 0 ? bucketOf(to - 1) : -1;
    for (int b = bucketOf(from); b <= last; ++b)
        n += m_buckets[b];
    return n;
}

void LatencyHistogram::clear() {
    m_buckets.fill(0);
    m_count = 0;
    m_max = 0;
}

// ---- FlowTracker ---------------------------------------------------------------------------

namespace {

quint32 hashOf(QByteArrayView key) {
    return quint32(qHash(key, 0x9e3779b9u));
}

} // namespace

FlowTracker::FlowTracker(FlowConfig config)
    : m_config(std::move(config))
    , m_failedTypes(m_config.failedTypes()) {}

void FlowTracker::setConfig(const FlowConfig &config) {
    if (config == m_config)
        return;
    const bool sameFlows = config.sameFlows(m_config);
    m_config = config;
    m_failedTypes = m_config.failedTypes();
    if (!sameFlows)
        reset(); // only the threshold or the bound changed: the counts still hold
}

void FlowTracker::reset() {
    // Swapped with empty ones: the memory goes back, not only the contents.
    std::vector<OpenFlow>().swap(m_flows);
    std::vector<qint32>().swap(m_freeFlows);
    std::vector<Bucket>().swap(m_index);
    std::deque<Queued>().swap(m_order);
    m_stragglers.clear();
    m_keys = QByteArray();
    m_open = m_deadKeyBytes = m_deadQueued = 0;
    m_latency.clear();
    std::vector<FinishedFlow>().swap(m_recent);
    m_recentNext = m_recentCount = 0;
    m_started = m_completed = m_failed = m_endsWithoutStart = m_untracked = 0;
}

qsizetype FlowTracker::heldBytes() const {
    return qsizetype(m_flows.capacity() * sizeof(OpenFlow) + m_freeFlows.capacity() * sizeof(qint32)
                     + m_index.capacity() * sizeof(Bucket) + m_order.size() * sizeof(Queued)
                     + m_stragglers.size() * 64)
           + m_keys.capacity();
}

FlowTracker::Kind FlowTracker::classify(const StreamEntry &e, QByteArrayView *key) const {
    const bool onStart = e.stream == m_config.startStream;
    const bool onEnd = e.stream == m_config.endStream;
    if (!onStart && !onEnd)
        return Kind::None;
    // The type and the key, read in place (the first field of each name, as value() does).
    QByteArrayView type;
    bool typeSeen = m_config.typeField.isEmpty();
    bool keySeen = false;
    e.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (!typeSeen && name == m_config.typeField) {
            type = value;
            typeSeen = true;
        }
        if (!keySeen && name == m_config.keyField) {
            *key = value.isNull() ? QByteArrayView("", 0) : value;
            keySeen = true;
        }
    });
    if (!keySeen)
        return Kind::None; // not part of any flow
    // With both stages on one stream the type tells them apart.
    if (onStart && (m_config.startType.isEmpty() ? !onEnd : type == m_config.startType))
        return Kind::Start;
    if (!onEnd)
        return Kind::None;
    for (const QByteArray &failed : m_failedTypes)
        if (type == failed)
            return Kind::Failed;
    if (m_config.completedType.isEmpty() || type == m_config.completedType)
        return Kind::Completed;
    return Kind::None;
}

void FlowTracker::add(const StreamEntryList &batch) {
    // One read of several streams returns them stream by stream, not in time order: an order's
    // payment can come before the order itself. Taken in ID order, ends follow their starts.
    bool oneStream = true;
    for (const StreamEntry &e : batch)
        oneStream = oneStream && e.stream == batch.first().stream;
    if (oneStream) {
        for (const StreamEntry &e : batch)
            add(e);
        return;
    }
    QList<const StreamEntry *> ordered;
    ordered.reserve(batch.size());
    for (const StreamEntry &e : batch)
        ordered.append(&e);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const StreamEntry *a, const StreamEntry *b) { return a->id < b->id; });
    for (const StreamEntry *e : std::as_const(ordered))
        add(*e);
}

void FlowTracker::add(const StreamEntry &entry) {
    QByteArrayView key;
    const Kind kind = classify(entry, &key);
    if (kind == Kind::None)
        return;
    const quint32 hash = hashOf(key);
    if (kind == Kind::Start)
        start(key, hash, entry.id);
    else
        finish(key, hash, entry, kind == Kind::Failed);
}

// ---- the waiting flows' index ---------------------------------------------------------------

qsizetype FlowTracker::findBucket(QByteArrayView key, quint32 hash) const {
    if (m_index.empty())
        return -1;
    const size_t mask = m_index.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const Bucket &b = m_index[i];
        if (b.flow < 0)
            return -1;
        if (b.hash == hash && keyOf(m_flows[size_t(b.flow)]) == key)
            return qsizetype(i);
    }
}

void FlowTracker::insertBucket(quint32 hash, qint32 flow) {
    const size_t mask = m_index.size() - 1;
    size_t i = hash & mask;
    while (m_index[i].flow >= 0)
        i = (i + 1) & mask;
    m_index[i] = Bucket{hash, flow};
}

void FlowTracker::eraseBucket(qsizetype bucket) {
    // Backward shift: the buckets after it that would be found through it move up.
    const size_t mask = m_index.size() - 1;
    size_t hole = size_t(bucket);
    for (size_t j = (hole + 1) & mask; m_index[j].flow >= 0; j = (j + 1) & mask) {
        const size_t home = m_index[j].hash & mask;
        // j's entry may move into the hole unless its home lies cyclically in (hole, j].
        const bool homeBetween =
            hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!homeBetween) {
            m_index[hole] = m_index[j];
            hole = j;
        }
    }
    m_index[hole] = Bucket{};
}

void FlowTracker::growIndex() {
    std::vector<Bucket> old;
    old.swap(m_index);
    m_index.assign(std::max<size_t>(64, old.size() * 2), Bucket{});
    for (const Bucket &b : old)
        if (b.flow >= 0)
            insertBucket(b.hash, b.flow);
}

// ---- waiting flows ---------------------------------------------------------------------------

void FlowTracker::start(QByteArrayView key, quint32 hash, StreamId id) {
    if (findBucket(key, hash) >= 0)
        return; // a repeated start event: the flow began with the first
    if (size_t(m_open + 1) * 2 > m_index.size())
        growIndex();
    if (m_keys.size() + key.size() > std::numeric_limits<qint32>::max())
        compactKeys();
    qint32 flow;
    if (!m_freeFlows.empty()) {
        flow = m_freeFlows.back();
        m_freeFlows.pop_back();
    } else {
        flow = qint32(m_flows.size());
        m_flows.emplace_back();
    }
    OpenFlow &f = m_flows[size_t(flow)];
    f.start = id;
    f.keyPos = quint32(m_keys.size());
    f.keyLen = quint32(key.size());
    f.hash = hash;
    f.used = true;
    m_keys.append(key.data(), key.size());
    insertBucket(hash, flow);
    // Starts come in ID order (one stream, read in order): queued at the end. An older one
    // waits in the map of stragglers, which keeps the order all the same.
    f.straggler = !m_order.empty() && id < m_order.back().start;
    if (f.straggler)
        m_stragglers.emplace(id, flow);
    else
        m_order.push_back(Queued{id, flow});
    ++m_open;
    ++m_started;
    while (m_open > m_config.maxOpenFlows) {
        const qint32 oldest = oldestFlow();
        if (oldest < 0)
            break;
        removeFlow(oldest);
        ++m_untracked;
    }
}

qint32 FlowTracker::oldestFlow() const {
    const qint32 queued = m_order.empty() ? -1 : m_order.front().flow; // the head is live
    if (m_stragglers.empty())
        return queued;
    const auto &[id, straggler] = *m_stragglers.begin();
    return queued < 0 || id < m_order.front().start ? straggler : queued;
}

void FlowTracker::dropDeadQueueHead() {
    while (!m_order.empty() && m_order.front().flow < 0) {
        m_order.pop_front();
        --m_deadQueued;
    }
}

void FlowTracker::removeFlow(qint32 flow) {
    OpenFlow &f = m_flows[size_t(flow)];
    // Its bucket, found by the flow's number: no key to compare.
    const size_t mask = m_index.size() - 1;
    size_t bucket = f.hash & mask;
    while (m_index[bucket].flow != flow)
        bucket = (bucket + 1) & mask;
    eraseBucket(qsizetype(bucket));
    if (f.straggler) {
        auto [it, end] = m_stragglers.equal_range(f.start);
        while (it != end && it->second != flow)
            ++it;
        Q_ASSERT(it != end);
        if (it != end)
            m_stragglers.erase(it);
    } else {
        // The queue is in ID order: its entry is found by the start ID (the oldest, dropped at
        // the bound, is the head).
        auto it = m_order.front().flow == flow
                      ? m_order.begin()
                      : std::lower_bound(m_order.begin(), m_order.end(), f.start,
                                         [](const Queued &q, StreamId id) { return q.start < id; });
        while (it != m_order.end() && it->flow != flow)
            ++it; // (only equal IDs lie between)
        Q_ASSERT(it != m_order.end());
        if (it != m_order.end()) {
            it->flow = -1;
            ++m_deadQueued;
        }
        dropDeadQueueHead();
        if (m_deadQueued > 4096 && m_deadQueued * 2 > qsizetype(m_order.size()))
            compactQueue();
    }
    m_deadKeyBytes += f.keyLen;
    f.used = false;
    m_freeFlows.push_back(flow);
    --m_open;
    if (m_deadKeyBytes > 65536 && m_deadKeyBytes * 2 > m_keys.size())
        compactKeys();
}

void FlowTracker::compactQueue() {
    m_order.erase(
        std::remove_if(m_order.begin(), m_order.end(), [](const Queued &q) { return q.flow < 0; }),
        m_order.end());
    m_deadQueued = 0;
}

void FlowTracker::compactKeys() {
    QByteArray keys;
    keys.reserve(m_keys.size() - m_deadKeyBytes);
    for (OpenFlow &f : m_flows) {
        if (!f.used)
            continue;
        const quint32 pos = quint32(keys.size());
        keys.append(keyOf(f));
        f.keyPos = pos;
    }
    m_keys = std::move(keys);
    m_deadKeyBytes = 0;
}

void FlowTracker::finish(QByteArrayView key, quint32 hash, const StreamEntry &end, bool failed) {
    const qsizetype bucket = findBucket(key, hash);
    if (bucket < 0) {
        ++m_endsWithoutStart;
        return;
    }
    const qint32 flow = m_index[size_t(bucket)].flow;
    const StreamId startId = m_flows[size_t(flow)].start;
    // The recent ring reuses its slots' buffers: no allocation once it is full (unless stats()
    // still shares the slot's key).
    if (m_recent.empty())
        m_recent.resize(recentKept);
    FinishedFlow &slot = m_recent[size_t(m_recentNext)];
    slot.key.resize(key.size());
    if (key.size() > 0)
        std::memcpy(slot.key.data(), key.data(), size_t(key.size()));
    slot.startId = startId;
    slot.endId = end.id;
    slot.failed = failed;
    m_recentNext = (m_recentNext + 1) % recentKept;
    m_recentCount = std::min<qsizetype>(m_recentCount + 1, recentKept);
    removeFlow(flow);
    ++(failed ? m_failed : m_completed);
    m_latency.add(std::max<qint64>(0, slot.latencyMs()));
}

FlowStats FlowTracker::stats(qint64 nowMs, int maxListed) const {
    FlowStats s;
    s.started = m_started;
    s.completed = m_completed;
    s.failed = m_failed;
    s.waiting = m_open;
    s.endsWithoutStart = m_endsWithoutStart;
    s.untracked = m_untracked;
    s.p50 = m_latency.percentile(0.50);
    s.p90 = m_latency.percentile(0.90);
    s.p99 = m_latency.percentile(0.99);
    s.maxLatency = m_latency.max();
    // Flows started before the cut-off are over the threshold: the queue's prefix, and the
    // stragglers' (merged, oldest first).
    const qint64 cutoff = nowMs - m_config.waitingThresholdMs;
    if (cutoff >= 0) {
        const StreamId after{quint64(cutoff) + 1, 0};
        auto q = m_order.cbegin();
        const auto qEnd =
            std::lower_bound(m_order.cbegin(), m_order.cend(), after,
                             [](const Queued &e, StreamId id) { return e.start < id; });
        auto m = m_stragglers.cbegin();
        const auto mEnd = m_stragglers.lower_bound(after);
        for (;;) {
            while (q != qEnd && q->flow < 0)
                ++q;
            const bool haveQ = q != qEnd, haveM = m != mEnd;
            if (!haveQ && !haveM)
                break;
            qint32 flow;
            if (haveQ && (!haveM || q->start < m->first))
                flow = (q++)->flow;
            else
                flow = (m++)->second;
            ++s.waitingOverThreshold;
            if (s.oldestWaiting.size() < maxListed) {
                const OpenFlow &f = m_flows[size_t(flow)];
                s.oldestWaiting.append(
                    {keyOf(f).toByteArray(), f.start, nowMs - qint64(f.start.ms)});
            }
        }
    }
    for (qsizetype i = 1; i <= m_recentCount && s.recentFinished.size() < maxListed; ++i)
        s.recentFinished.append(m_recent[size_t((m_recentNext - i + recentKept) % recentKept)]);
    return s;
}

} // namespace streamscope
