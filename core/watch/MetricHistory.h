#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPointF>

#include <deque>

namespace streamscope {

// Time series kept for a sliding window (an hour by default): points (ms since epoch, value) per
// named series, oldest dropped as new ones arrive, and at most maxSeries series (the one updated
// least recently goes first). Memory is bounded whatever runs for how long.
class MetricHistory {
public:
    explicit MetricHistory(qint64 keepMs = 3600 * 1000, int maxSeries = 200);

    void add(const QByteArray &series, qint64 atMs, double value);
    QList<QByteArray> names() const;
    // The points at or after sinceMs, at most maxPoints of them: when there are more, each point
    // stands for an equal slice of time and carries the slice's largest value (peaks stay).
    QList<QPointF> points(const QByteArray &series, qint64 sinceMs, int maxPoints = 600) const;
    // The newest value, or 0.
    double latest(const QByteArray &series) const;
    qsizetype pointCount() const; // over all series
    void clear();

private:
    struct Series {
        std::deque<QPointF> points;
        qint64 touchedAtMs = 0;
    };
    qint64 m_keepMs;
    int m_maxSeries;
    QHash<QByteArray, Series> m_series;
};

} // namespace streamscope
