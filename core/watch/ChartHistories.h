#pragma once

#include "Freshness.h"
#include "GroupPoller.h"
#include "MetricHistory.h"
#include "StreamInfo.h"
#include "StreamTailer.h"

#include <QObject>

#include <deque>
#include <functional>

namespace streamscope {

// What the charts show, kept for one connection (the session owns one and feeds it; views bind to
// it and may come and go): events per second and length per stream, lag and pending per group,
// an hour of each. Events per second are kept twice: the raw rate between two tail samples
// (about a second, so 5 events/s reads 3 then 10) and the rate over the last 5 s.
class ChartHistories : public QObject {
    Q_OBJECT
public:
    enum class Metric { Rate, SmoothedRate, Length, Lag, Pending };
    static constexpr qint64 smoothingMs = 5000;

    explicit ChartHistories(QObject *parent = nullptr);

    // Samples, timed by clock() when they arrive.
    void addTailStats(const streamscope::TailStats &stats);
    void addStreams(const streamscope::StreamInfoList &streams);
    void addGroups(const streamscope::GroupSnapshot &snapshot);
    // While not current the tail's counters say nothing about the server: no rate points are
    // added (no flat line at 0 as if live), and the first sample after it is current again only
    // starts a new measurement (no rate averaged over the outage).
    void setFreshness(const streamscope::Freshness &freshness);
    const Freshness &freshness() const { return m_freshness; }
    void clear();

    const MetricHistory &history(Metric metric) const;
    const MetricHistory &rate() const { return m_rate; }
    const MetricHistory &smoothedRate() const { return m_smoothedRate; }
    const MetricHistory &length() const { return m_length; }
    const MetricHistory &lag() const { return m_lag; }
    const MetricHistory &pending() const { return m_pending; }

    std::function<qint64()> clock; // when samples arrive; the wall clock by default

Q_SIGNALS:
    void changed(); // samples were added
    void cleared(); // everything was dropped

private:
    struct Counter {
        qint64 atMs = 0;
        qint64 received = 0;
    };
    MetricHistory m_rate, m_smoothedRate, m_length, m_lag, m_pending;
    // Per stream, the tail's counters over the last smoothingMs (and the one just before).
    QHash<QByteArray, std::deque<Counter>> m_received;
    QHash<QByteArray, qint64> m_groupsSampledAt; // stream -> sampledAtMs of its last group points
    Freshness m_freshness;
};

} // namespace streamscope
