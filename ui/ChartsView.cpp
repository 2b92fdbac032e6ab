#include "ChartsView.h"

#include "ChartTheme.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

namespace streamscope {

// One chart: the busiest series of a history (by newest value), each a line on a time axis.
class MetricChart : public QChartView {
public:
    static constexpr int maxLines = 8;

    MetricChart(QString key, const QString &title, const QString &tip, MetricHistory *history)
        : m_key(std::move(key))
        , m_history(history)
        , m_chart(new QChart)
        , m_time(new QDateTimeAxis)
        , m_values(new QValueAxis) {
        followPalette(m_chart);
        setObjectName(m_key + QStringLiteral("Chart"));
        m_chart->setTitle(title);
        m_chart->legend()->setAlignment(Qt::AlignBottom);
        m_time->setFormat(QStringLiteral("HH:mm:ss"));
        // A real range before the chart is first shown: in Qt 6.4 a date axis whose first
        // range is set only after showing draws no labels at all.
        const QDateTime now = QDateTime::currentDateTime();
        m_time->setRange(now.addSecs(-300), now);
        m_values->setLabelFormat(QStringLiteral("%.0f"));
        m_values->setTickCount(5);
        m_values->setMin(0);
        m_chart->addAxis(m_time, Qt::AlignBottom);
        m_chart->addAxis(m_values, Qt::AlignLeft);
        m_chart->setMargins(QMargins(2, 2, 2, 2));
        setChart(m_chart);
        setRenderHint(QPainter::Antialiasing);
        setToolTip(tip);
        setMinimumHeight(200);
    }
    const QString &key() const { return m_key; }
    MetricHistory *history() const { return m_history; }

    void update(qint64 sinceMs, qint64 nowMs) {
        // The busiest series, by newest value; ties by name so the choice is stable.
        QList<QByteArray> names = m_history->names();
        std::stable_sort(names.begin(), names.end(),
                         [this](const QByteArray &a, const QByteArray &b) {
                             return m_history->latest(a) > m_history->latest(b);
                         });
        if (names.size() > maxLines)
            names.resize(maxLines);
        for (auto it = m_lines.begin(); it != m_lines.end();) {
            if (names.contains(it.key())) {
                ++it;
                continue;
            }
            m_chart->removeSeries(it.value());
            delete it.value();
            it = m_lines.erase(it);
        }
        double top = 4; // whole-number ticks even when every value is small
        for (const QByteArray &name : names) {
            QLineSeries *line = m_lines.value(name);
            if (!line) {
                line = new QLineSeries;
                line->setName(QString::fromUtf8(name));
                m_chart->addSeries(line);
                line->attachAxis(m_time);
                line->attachAxis(m_values);
                connect(line, &QLineSeries::hovered, this, [this, line](const QPointF &p, bool on) {
                    if (on)
                        QToolTip::showText(QCursor::pos(),
                                           QStringLiteral("%1: %2 at %3")
                                               .arg(line->name())
                                               .arg(p.y(), 0, 'f', p.y() < 10 ? 1 : 0)
                                               .arg(QDateTime::fromMSecsSinceEpoch(qint64(p.x()))
                                                        .toString(QStringLiteral("HH:mm:ss"))),
                                           this);
                });
                m_lines.insert(name, line);
            }
            const QList<QPointF> points = m_history->points(name, sinceMs);
            line->replace(points);
            for (const QPointF &p : points)
                top = std::max(top, p.y());
        }
        m_time->setFormat(nowMs - sinceMs > 20 * 60 * 1000 ? QStringLiteral("HH:mm")
                                                           : QStringLiteral("HH:mm:ss"));
        m_time->setRange(QDateTime::fromMSecsSinceEpoch(sinceMs),
                         QDateTime::fromMSecsSinceEpoch(nowMs));
        m_values->setRange(0, top * 1.1);
        m_values->applyNiceNumbers();
    }
    QStringList lineNames() const {
        QStringList out;
        for (QLineSeries *l : m_lines)
            out << l->name();
        out.sort();
        return out;
    }
    QList<QPointF> linePoints(const QString &name) const {
        QLineSeries *l = m_lines.value(name.toUtf8());
        return l ? l->points() : QList<QPointF>();
    }

private:
    QString m_key;
    MetricHistory *m_history;
    QChart *m_chart;
    QDateTimeAxis *m_time;
    QValueAxis *m_values;
    QHash<QByteArray, QLineSeries *> m_lines;
};

ChartsView::ChartsView(QWidget *parent)
    : QWidget(parent)
    , m_window(new QComboBox)
    , m_timer(new QTimer(this)) {
    clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
    for (int minutes : windowMinutes())
        m_window->addItem(minutes < 60 ? tr("last %1 minutes").arg(minutes)
                                       : tr("last %n hour(s)", nullptr, minutes / 60),
                          minutes);
    m_window->setToolTip(tr("How much history the charts show (an hour is kept)"));
    connect(m_window, &QComboBox::currentIndexChanged, this, [this] {
        refresh();
        Q_EMIT windowChanged(windowMinutesShown());
    });

    m_charts = {
        new MetricChart(QStringLiteral("rate"), tr("Events per second, by stream"),
                        tr("Entries added per second to each stream, as read by the live tail"),
                        &m_rate),
        new MetricChart(QStringLiteral("length"), tr("Length, by stream"),
                        tr("XLEN of each stream: what trimming keeps"), &m_length),
        new MetricChart(QStringLiteral("lag"), tr("Lag, by group"),
                        tr("Entries of the stream not yet delivered to the group (XINFO GROUPS "
                           "lag; estimated where the server cannot say)"),
                        &m_lag),
        new MetricChart(QStringLiteral("pending"), tr("Pending, by group"),
                        tr("Entries delivered to the group's consumers and not yet acknowledged "
                           "(its pending entries list)"),
                        &m_pending)};
    auto *grid = new QGridLayout;
    for (int i = 0; i < m_charts.size(); ++i)
        grid->addWidget(m_charts.at(i), i / 2, i % 2);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show")));
    top->addWidget(m_window);
    auto *note = new QLabel(tr("The %1 busiest series of each chart; hover a line for its values.")
                                .arg(MetricChart::maxLines));
    note->setEnabled(false);
    top->addWidget(note);
    top->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(grid, 1);

    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &ChartsView::refresh);
    m_timer->start();
}

void ChartsView::addTailStats(const TailStats &stats) {
    const qint64 now = clock();
    for (const StreamTailStats &s : stats.streams) {
        const auto last = m_lastReceived.value(s.stream, {0, -1});
        m_lastReceived.insert(s.stream, {now, s.received});
        if (last.second < 0 || now <= last.first || s.received < last.second)
            continue; // the first sample, or the tail restarted
        m_rate.add(s.stream, now,
                   double(s.received - last.second) * 1000.0 / double(now - last.first));
    }
}

void ChartsView::addStreams(const StreamInfoList &streams) {
    const qint64 now = clock();
    for (const StreamInfo &s : streams)
        m_length.add(s.name, now, double(s.length));
}

void ChartsView::addGroups(const GroupSnapshot &snapshot) {
    const qint64 now = clock();
    for (const StreamStatus &stream : snapshot.streams)
        for (const GroupStatus &g : stream.groups) {
            const QByteArray name = stream.info.name + '/' + g.name;
            if (g.lag)
                m_lag.add(name, now, double(*g.lag));
            m_pending.add(name, now, double(g.pending));
        }
}

void ChartsView::clear() {
    for (MetricHistory *h : {&m_rate, &m_length, &m_lag, &m_pending})
        h->clear();
    m_lastReceived.clear();
    refresh();
}

void ChartsView::setWindowMinutes(int minutes) {
    const int index = m_window->findData(minutes);
    if (index >= 0)
        m_window->setCurrentIndex(index);
}

int ChartsView::windowMinutesShown() const {
    return m_window->currentData().toInt();
}

void ChartsView::refresh() {
    if (!isVisible())
        return;    // a hidden chart costs nothing; it catches up when shown
    ++m_refreshes; // redraws, for tests and benchmarks
    const qint64 now = clock();
    const qint64 since = now - qint64(windowMinutesShown()) * 60 * 1000;
    for (MetricChart *c : m_charts)
        c->update(since, now);
}

void ChartsView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    refresh();
}

MetricChart *ChartsView::chart(const QString &name) const {
    for (MetricChart *c : m_charts)
        if (c->key() == name)
            return c;
    return nullptr;
}

QStringList ChartsView::seriesNames(const QString &name) const {
    MetricChart *c = chart(name);
    return c ? c->lineNames() : QStringList();
}

QList<QPointF> ChartsView::seriesPoints(const QString &name, const QString &series) const {
    MetricChart *c = chart(name);
    return c ? c->linePoints(series) : QList<QPointF>();
}

const MetricHistory &ChartsView::history(const QString &name) const {
    return *chart(name)->history();
}

} // namespace streamscope
