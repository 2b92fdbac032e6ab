#include "FlowTracker.h"

#include "Wording.h"

#include <algorithm>
#include <cmath>

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
    m_open.clear();
    m_byStart.clear();
    m_latency.clear();
    m_recent.clear();
    m_started = m_completed = m_failed = m_endsWithoutStart = m_untracked = 0;
}

FlowTracker::Kind FlowTracker::classify(const StreamEntry &e) const {
    const bool onStart = e.stream == m_config.startStream;
    const bool onEnd = e.stream == m_config.endStream;
    if (!onStart && !onEnd)
        return Kind::None;
    const QByteArray type =
        m_config.typeField.isEmpty() ? QByteArray() : e.value(m_config.typeField);
    // With both stages on one stream the type tells them apart.
    if (onStart && (m_config.startType.isEmpty() ? !onEnd : type == m_config.startType))
        return Kind::Start;
    if (!onEnd)
        return Kind::None;
    if (m_failedTypes.contains(type))
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
    const Kind kind = classify(entry);
    if (kind == Kind::None)
        return;
    const QByteArray key = entry.value(m_config.keyField);
    if (key.isNull())
        return; // not part of any flow
    if (kind == Kind::Start) {
        if (m_open.contains(key))
            return; // a repeated start event: the flow began with the first
        m_open.insert(key, entry.id);
        m_byStart.emplace(entry.id, key);
        ++m_started;
        while (m_open.size() > m_config.maxOpenFlows && !m_byStart.empty()) {
            m_open.remove(m_byStart.begin()->second);
            m_byStart.erase(m_byStart.begin());
            ++m_untracked;
        }
        return;
    }
    finish(key, entry, kind == Kind::Failed);
}

void FlowTracker::finish(const QByteArray &key, const StreamEntry &end, bool failed) {
    const auto it = m_open.constFind(key);
    if (it == m_open.cend()) {
        ++m_endsWithoutStart;
        return;
    }
    FinishedFlow flow{key, it.value(), end.id, failed};
    m_byStart.erase(it.value());
    m_open.erase(it);
    ++(failed ? m_failed : m_completed);
    m_latency.add(std::max<qint64>(0, flow.latencyMs()));
    m_recent.append(std::move(flow));
    if (m_recent.size() > recentKept)
        m_recent.removeFirst();
}

FlowStats FlowTracker::stats(qint64 nowMs, int maxListed) const {
    FlowStats s;
    s.started = m_started;
    s.completed = m_completed;
    s.failed = m_failed;
    s.waiting = m_open.size();
    s.endsWithoutStart = m_endsWithoutStart;
    s.untracked = m_untracked;
    s.p50 = m_latency.percentile(0.50);
    s.p90 = m_latency.percentile(0.90);
    s.p99 = m_latency.percentile(0.99);
    s.maxLatency = m_latency.max();
    // Flows started before the cut-off are over the threshold: they are the map's prefix.
    const qint64 cutoff = nowMs - m_config.waitingThresholdMs;
    if (cutoff >= 0) {
        const auto end = m_byStart.lower_bound(StreamId{quint64(cutoff) + 1, 0});
        for (auto it = m_byStart.begin(); it != end; ++it) {
            ++s.waitingOverThreshold;
            if (s.oldestWaiting.size() < maxListed)
                s.oldestWaiting.append({it->second, it->first, nowMs - qint64(it->first.ms)});
        }
    }
    for (auto it = m_recent.crbegin();
         it != m_recent.crend() && s.recentFinished.size() < maxListed; ++it)
        s.recentFinished.append(*it);
    return s;
}

} // namespace streamscope
