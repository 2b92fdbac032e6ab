#pragma once

#include "ChartHistories.h"
#include "Freshness.h"
#include "GroupPoller.h"
#include "MetricHistory.h"
#include "StreamInfo.h"
#include "StreamTailer.h"

#include <QPen>
#include <QPointer>
#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QTimer;
class QValueAxis;

namespace streamscope {

class MetricChart;

// Events per second and length per stream, lag and pending per group, over a sliding window the
// user picks (5 min, 15 min, 1 h), drawn from a ChartHistories it does not own (the connection's:
// the histories outlive the widget and are replaced with the connection). Redraws once a second
// with one replace() per series. Each chart has a legend list beside it (whole names, elided in
// the middle, the full name in its tooltip; click a name to hide or show its line).
class ChartsView : public QWidget {
    Q_OBJECT
public:
    explicit ChartsView(QWidget *parent = nullptr);
    ~ChartsView() override;

    // What to draw; not owned (null: nothing is shown). Until it is called the view draws its own
    // histories, fed by the add* calls below.
    void setHistories(streamscope::ChartHistories *histories);
    ChartHistories *histories() const { return m_histories; }

    // While not current: a note says "last updated hh:mm:ss" and why, the lines are greyed and
    // the rate chart draws nothing after the last update (no flat line as if live).
    void setFreshness(const streamscope::Freshness &freshness);
    const Freshness &freshness() const { return m_freshness; }

    // Events per second over 5 s (the default) or between two samples (about 1 s).
    void setSmoothing(bool on);
    bool smoothing() const;

    // Transitional, for a window that feeds the view itself: samples into the view's own
    // histories (not into ones given to setHistories). Remove once the session feeds them.
    void addTailStats(const streamscope::TailStats &stats);
    void addStreams(const streamscope::StreamInfoList &streams);
    void addGroups(const streamscope::GroupSnapshot &snapshot);
    void clear();

    static QList<int> windowMinutes() { return {5, 15, 60}; }
    void setWindowMinutes(int minutes);
    int windowMinutesShown() const;
    void refresh();
    qint64 refreshCount() const { return m_refreshes; } // redraws (only while visible)
    std::function<qint64()> clock; // the end of the time axis; the wall clock by default

    // For tests: the series a chart shows ("rate", "length", "lag", "pending") and their points,
    // the history behind it (the bound histories'; "rate" is the raw rate), its legend list, a
    // line's pen and whether it is shown, its value axis, and the freshness note.
    QStringList seriesNames(const QString &chart) const;
    QList<QPointF> seriesPoints(const QString &chart, const QString &series) const;
    const MetricHistory &history(const QString &chart) const;
    QListWidget *legend(const QString &chart) const;
    QPen seriesPen(const QString &chart, const QString &series) const;
    bool isSeriesShown(const QString &chart, const QString &series) const;
    QValueAxis *valueAxis(const QString &chart) const;
    QWidget *chartView(const QString &chart) const;
    QString freshnessNote() const;

    // The lines cover only part of the server (the stream list's scope: only the watched
    // streams, or those matching a filter): said above the charts. Empty: the whole server.
    void setScopeNote(const QString &text);
    QString scopeNote() const;

Q_SIGNALS:
    void windowChanged(int minutes);

protected:
    void showEvent(QShowEvent *event) override;

private:
    MetricChart *chart(const QString &name) const;
    const MetricHistory *source(const MetricChart *chart) const;

    QPointer<ChartHistories> m_histories;
    ChartHistories *m_own; // what the add* calls feed
    Freshness m_freshness;
    QList<MetricChart *> m_charts;
    QComboBox *m_window;
    QCheckBox *m_smooth;
    QLabel *m_freshnessNote;
    QLabel *m_scopeNote;
    QTimer *m_timer;
    qint64 m_refreshes = 0;
    bool m_drawnAny = false;
};

} // namespace streamscope
