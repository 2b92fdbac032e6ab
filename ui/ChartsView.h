#pragma once

#include "GroupPoller.h"
#include "MetricHistory.h"
#include "StreamInfo.h"
#include "StreamTailer.h"

#include <QWidget>

#include <functional>

class QComboBox;
class QTimer;

namespace streamscope {

class MetricChart;

// Events per second and length per stream, lag and pending per group, over a sliding window the
// user picks (5 min, 15 min, 1 h). Samples arrive from the tail's stats, the stream list and the
// group poller; the charts redraw once a second with one replace() per series.
class ChartsView : public QWidget {
    Q_OBJECT
public:
    explicit ChartsView(QWidget *parent = nullptr);

    void addTailStats(const streamscope::TailStats &stats);
    void addStreams(const streamscope::StreamInfoList &streams);
    void addGroups(const streamscope::GroupSnapshot &snapshot);
    void clear();

    static QList<int> windowMinutes() { return {5, 15, 60}; }
    void setWindowMinutes(int minutes);
    int windowMinutesShown() const;
    void refresh();
    qint64 refreshCount() const { return m_refreshes; } // redraws (only while visible)
    std::function<qint64()> clock; // when samples arrive; the wall clock by default

    // For tests: the series a chart shows ("rate", "length", "lag", "pending") and their points.
    QStringList seriesNames(const QString &chart) const;
    QList<QPointF> seriesPoints(const QString &chart, const QString &series) const;
    const MetricHistory &history(const QString &chart) const;

Q_SIGNALS:
    void windowChanged(int minutes);

protected:
    void showEvent(QShowEvent *event) override;

private:
    MetricChart *chart(const QString &name) const;

    MetricHistory m_rate, m_length, m_lag, m_pending;
    QHash<QByteArray, std::pair<qint64, qint64>> m_lastReceived; // stream -> (ms, received)
    QList<MetricChart *> m_charts;
    QComboBox *m_window;
    QTimer *m_timer;
    qint64 m_refreshes = 0;
};

} // namespace streamscope
