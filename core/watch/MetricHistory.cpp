#include "MetricHistory.h"

#include <algorithm>
#include <iterator>

namespace streamscope {

MetricHistory::MetricHistory(qint64 keepMs, int maxSeries)
    : m_keepMs(keepMs)
    , m_maxSeries(maxSeries) {}

void MetricHistory::add(const QByteArray &name, qint64 atMs, double value) {
    if (!m_series.contains(name) && m_series.size() >= m_maxSeries) {
        auto stalest = std::min_element(
            m_series.begin(), m_series.end(),
            [](const Series &a, const Series &b) { return a.touchedAtMs < b.touchedAtMs; });
        m_series.erase(stalest);
    }
    Series &s = m_series[name];
    s.touchedAtMs = atMs;
    s.points.emplace_back(double(atMs), value);
    while (!s.points.empty() && s.points.front().x() < double(atMs - m_keepMs))
        s.points.pop_front();
}

QList<QByteArray> MetricHistory::names() const {
    QList<QByteArray> names = m_series.keys();
    std::sort(names.begin(), names.end());
    return names;
}

QList<QPointF> MetricHistory::points(const QByteArray &name, qint64 sinceMs, int maxPoints) const {
    QList<QPointF> out;
    const auto it = m_series.constFind(name);
    if (it == m_series.cend() || it->points.empty())
        return out;
    const std::deque<QPointF> &pts = it->points;
    auto first = std::lower_bound(pts.cbegin(), pts.cend(), double(sinceMs),
                                  [](const QPointF &p, double x) { return p.x() < x; });
    const qsizetype n = pts.cend() - first;
    if (n <= maxPoints || maxPoints < 2) {
        out.reserve(n);
        std::copy(first, pts.cend(), std::back_inserter(out));
        return out;
    }
    // Slices of equal time; each point: the slice's last time, its largest value.
    const double from = first->x();
    const double span = std::max(1.0, pts.back().x() - from);
    const double slice = span / maxPoints;
    out.reserve(maxPoints + 1);
    int current = -1;
    for (auto p = first; p != pts.cend(); ++p) {
        const int index = std::min(maxPoints - 1, int((p->x() - from) / slice));
        if (index != current) {
            out.append(*p);
            current = index;
        } else {
            out.last() = QPointF(p->x(), std::max(out.last().y(), p->y()));
        }
    }
    return out;
}

double MetricHistory::latest(const QByteArray &name) const {
    const auto it = m_series.constFind(name);
    return it == m_series.cend() || it->points.empty() ? 0 : it->points.back().y();
}

qsizetype MetricHistory::pointCount() const {
    qsizetype n = 0;
    for (const Series &s : m_series)
        n += qsizetype(s.points.size());
    return n;
}

void MetricHistory::clear() {
    m_series.clear();
}

} // namespace streamscope
