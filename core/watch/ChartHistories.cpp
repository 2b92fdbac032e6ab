#include "ChartHistories.h"

#include <QDateTime>

namespace streamscope {

ChartHistories::ChartHistories(QObject *parent)
    : QObject(parent) {
    clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
    // Current until told otherwise: a histories object fed without a session behaves as before.
    m_freshness.state = Freshness::State::Current;
}

void ChartHistories::addTailStats(const TailStats &stats) {
    if (!m_freshness.isCurrent())
        return; // the counters are restarted when it is current again (setFreshness)
    const qint64 now = clock();
    bool added = false;
    for (const StreamTailStats &s : stats.streams) {
        std::deque<Counter> &counters = m_received[s.stream];
        if (!counters.empty()
            && (s.received < counters.back().received || now < counters.back().atMs))
            counters.clear(); // the tail restarted (or the clock went back): a new measurement
        if (!counters.empty() && now == counters.back().atMs) {
            counters.back().received = s.received;
            continue;
        }
        counters.push_back({now, s.received});
        if (counters.size() < 2)
            continue; // the first sample only starts the measurement
        const Counter &previous = counters.at(counters.size() - 2);
        m_rate.add(s.stream, now,
                   double(s.received - previous.received) * 1000.0 / double(now - previous.atMs));
        // Keep one counter at or before the start of the smoothing window as its base.
        while (counters.size() > 2 && counters.at(1).atMs <= now - smoothingMs)
            counters.pop_front();
        const Counter &base = counters.front();
        m_smoothedRate.add(s.stream, now,
                           double(s.received - base.received) * 1000.0 / double(now - base.atMs));
        added = true;
    }
    if (added)
        Q_EMIT changed();
}

void ChartHistories::addStreams(const StreamInfoList &streams) {
    const qint64 now = clock();
    for (const StreamInfo &s : streams)
        m_length.add(s.name, now, double(s.length));
    if (!streams.isEmpty())
        Q_EMIT changed();
}

void ChartHistories::addGroups(const GroupSnapshot &snapshot) {
    const qint64 now = clock();
    bool added = false;
    for (const StreamStatus &stream : snapshot.streams) {
        // A quiet stream is polled less often: its figures are added when it was sampled again,
        // not repeated as if measured now.
        if (stream.sampledAtMs > 0) {
            qint64 &last = m_groupsSampledAt[stream.info.name];
            if (stream.sampledAtMs == last)
                continue;
            last = stream.sampledAtMs;
        }
        for (const GroupStatus &g : stream.groups) {
            const QByteArray name = stream.info.name + '/' + g.name;
            if (g.lag)
                m_lag.add(name, now, double(*g.lag));
            m_pending.add(name, now, double(g.pending));
            added = true;
        }
    }
    if (added)
        Q_EMIT changed();
}

void ChartHistories::setFreshness(const Freshness &freshness) {
    if (!freshness.isCurrent())
        m_received.clear();
    m_freshness = freshness;
}

void ChartHistories::clear() {
    for (MetricHistory *h : {&m_rate, &m_smoothedRate, &m_length, &m_lag, &m_pending})
        h->clear();
    m_received.clear();
    m_groupsSampledAt.clear();
    Q_EMIT cleared();
}

const MetricHistory &ChartHistories::history(Metric metric) const {
    switch (metric) {
    case Metric::Rate:
        return m_rate;
    case Metric::SmoothedRate:
        return m_smoothedRate;
    case Metric::Length:
        return m_length;
    case Metric::Lag:
        return m_lag;
    case Metric::Pending:
        break;
    }
    return m_pending;
}

} // namespace streamscope
