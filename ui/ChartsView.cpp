#include "ChartsView.h"

#include "ChartTheme.h"
#include "Palette.h"
#include "Wording.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFontMetrics>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QPainter>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <limits>

namespace streamscope {

namespace {

// A list of series names that toggles a name on a click or Space (a check box in each row shows
// whether its line is drawn).
class LegendList : public QListWidget {
public:
    std::function<void(QListWidgetItem *)> toggle;

protected:
    void keyPressEvent(QKeyEvent *event) override {
        if ((event->key() == Qt::Key_Space || event->key() == Qt::Key_Select) && currentItem()
            && toggle) {
            toggle(currentItem());
            return;
        }
        QListWidget::keyPressEvent(event);
    }
};

// Rows as wide as the list, so a long name is elided (in the middle) instead of scrolled.
class FitWidthDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        if (const auto *view = qobject_cast<const QAbstractItemView *>(parent()))
            size.setWidth(std::min(size.width(), view->viewport()->width()));
        return size;
    }
};

QIcon penSwatch(const QPen &pen, const QWidget *widget) {
    const qreal ratio = widget->devicePixelRatioF();
    const QSize size(20, 12);
    QPixmap pixmap(size * ratio);
    pixmap.setDevicePixelRatio(ratio);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(pen);
    painter.drawLine(QPointF(1, size.height() / 2.0),
                     QPointF(size.width() - 1, size.height() / 2.0));
    return QIcon(pixmap);
}

} // namespace

// One chart: the busiest series of a history (by newest value), each a line on a time axis, and
// a legend list beside it.
class MetricChart : public QWidget {
public:
    static constexpr int maxLines = 16;
    enum class Kind { Rate, Count };

    MetricChart(QString key, Kind kind, const QString &title, const QString &description)
        : m_key(std::move(key))
        , m_kind(kind)
        , m_titleText(title)
        , m_title(new QLabel)
        , m_view(new QChartView)
        , m_legend(new LegendList)
        , m_chart(new QChart)
        , m_time(new QDateTimeAxis)
        , m_values(new QValueAxis) {
        setObjectName(m_key + QStringLiteral("Pane"));
        followPalette(m_chart);
        m_chart->legend()->hide(); // the list beside the chart shows whole names
        m_time->setFormat(QStringLiteral("HH:mm:ss"));
        // A real range before the chart is first shown: in Qt 6.4 a date axis whose first
        // range is set only after showing draws no labels at all.
        const QDateTime now = QDateTime::currentDateTime();
        m_time->setRange(now.addSecs(-300), now);
        m_values->setMin(0);
        if (m_kind == Kind::Count)
            useWholeNumberTicks(m_values);
        else
            m_values->setLabelFormat(QStringLiteral("%.0f"));
        m_chart->addAxis(m_time, Qt::AlignBottom);
        m_chart->addAxis(m_values, Qt::AlignLeft);
        m_chart->setMargins(QMargins(2, 2, 2, 2));
        m_view->setObjectName(m_key + QStringLiteral("Chart"));
        m_view->setChart(m_chart);
        m_view->setRenderHint(QPainter::Antialiasing);
        // No tooltip of its own: it would cover the value tooltip of a hovered line. What the
        // chart shows is said by the title's tooltip and What's This.
        m_view->setWhatsThis(description);
        m_view->setMinimumHeight(160);

        m_title->setObjectName(m_key + QStringLiteral("Title"));
        m_title->setToolTip(description);
        m_title->setTextFormat(Qt::PlainText);
        QFont bold = m_title->font();
        bold.setBold(true);
        m_title->setFont(bold);

        m_legend->setObjectName(m_key + QStringLiteral("Legend"));
        m_legend->setTextElideMode(Qt::ElideMiddle);
        m_legend->setItemDelegate(new FitWidthDelegate(m_legend));
        m_legend->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        m_legend->setResizeMode(QListView::Adjust);
        m_legend->setUniformItemSizes(true);
        m_legend->setSelectionMode(QAbstractItemView::SingleSelection);
        m_legend->setIconSize(QSize(20, 12));
        m_legend->setMinimumWidth(m_legend->fontMetrics().averageCharWidth() * 22);
        m_legend->toggle = [this](QListWidgetItem *item) { toggle(item); };
        connect(m_legend, &QListWidget::itemClicked, this,
                [this](QListWidgetItem *item) { toggle(item); });

        auto *split = new QSplitter(Qt::Horizontal);
        split->setChildrenCollapsible(false);
        split->addWidget(m_view);
        split->addWidget(m_legend);
        // Names get a good third of the width (the splitter lets the user give them more).
        split->setStretchFactor(0, 5);
        split->setStretchFactor(1, 3);
        auto *layout = new QVBoxLayout(this);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->setSpacing(2);
        layout->addWidget(m_title);
        layout->addWidget(split, 1);
        setTitleSuffix({});
    }
    const QString &key() const { return m_key; }
    Kind kind() const { return m_kind; }
    void setTitleText(const QString &title) {
        m_titleText = title;
        setTitleSuffix(m_suffix);
    }

    // untilMs: nothing later is drawn (a rate while not current); stale: the lines are greyed.
    void update(const MetricHistory *history, qint64 sinceMs, qint64 nowMs, qint64 untilMs,
                const Freshness &freshness) {
        // The busiest series, by newest value; ties by name so the choice is stable.
        QList<QByteArray> names = history ? history->names() : QList<QByteArray>();
        std::stable_sort(names.begin(), names.end(),
                         [history](const QByteArray &a, const QByteArray &b) {
                             return history->latest(a) > history->latest(b);
                         });
        if (names.size() > maxLines)
            names.resize(maxLines);
        bool legendChanged = false;
        for (auto it = m_lines.begin(); it != m_lines.end();) {
            if (names.contains(it.key())) {
                ++it;
                continue;
            }
            m_chart->removeSeries(it->series);
            delete it->series;
            it = m_lines.erase(it);
            legendChanged = true;
        }
        const bool current = freshness.isCurrent();
        double top = 1;
        for (const QByteArray &name : names) {
            auto it = m_lines.find(name);
            if (it == m_lines.end()) {
                it = m_lines.insert(name, {newSeries(name), freeSlot()});
                setSeriesPen(it->series, it->slot, palette());
                it->series->setVisible(!m_hidden.contains(name));
                legendChanged = true;
            }
            QList<QPointF> points = history->points(name, sinceMs);
            while (!points.isEmpty() && points.last().x() > double(untilMs))
                points.removeLast();
            it->series->replace(points);
            it->series->setOpacity(current ? 1.0 : 0.35);
            if (it->series->isVisible())
                for (const QPointF &p : points)
                    top = std::max(top, p.y());
        }
        // Labels that fit: minutes from a 5-minute window up, and as many ticks as the plot's
        // width holds (a narrow chart cut "08:37:41" to "08:37...").
        const QString format =
            nowMs - sinceMs >= 4 * 60 * 1000 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss");
        m_time->setFormat(format);
        const int labelWidth =
            QFontMetrics(m_time->labelsFont()).horizontalAdvance(QStringLiteral("00:00:00"))
                * format.size() / 8
            + 24;
        const int plotWidth = int(m_chart->plotArea().width());
        if (plotWidth > 0)
            m_time->setTickCount(std::clamp(plotWidth / labelWidth + 1, 2, 6));
        m_time->setRange(QDateTime::fromMSecsSinceEpoch(sinceMs),
                         QDateTime::fromMSecsSinceEpoch(nowMs));
        if (m_kind == Kind::Count) {
            m_values->setRange(0, top * 1.1); // the ticks follow: whole numbers
        } else {
            m_values->setLabelFormat(top < 10 ? QStringLiteral("%.1f") : QStringLiteral("%.0f"));
            m_values->setRange(0, top * 1.1);
            m_values->applyNiceNumbers();
        }
        if (legendChanged)
            rebuildLegend();
        updateLegendTips(history, current);
        setTitleSuffix(current ? QString() : freshness.lastUpdatedText());
    }

    QStringList lineNames() const {
        QStringList out;
        for (const Line &l : m_lines)
            out << l.series->name();
        out.sort();
        return out;
    }
    QLineSeries *line(const QString &name) const {
        const auto it = m_lines.constFind(name.toUtf8());
        return it == m_lines.cend() ? nullptr : it->series;
    }
    QListWidget *legend() const { return m_legend; }
    QValueAxis *valueAxis() const { return m_values; }
    QChartView *view() const { return m_view; }

private:
    struct Line {
        QLineSeries *series = nullptr;
        int slot = 0; // its pen: no two lines shown share one
    };

    QLineSeries *newSeries(const QByteArray &name) {
        auto *line = new QLineSeries;
        line->setName(QString::fromUtf8(name));
        m_chart->addSeries(line);
        line->attachAxis(m_time);
        line->attachAxis(m_values);
        connect(line, &QLineSeries::hovered, this, [this, line](const QPointF &p, bool on) {
            if (!on) {
                QToolTip::hideText();
                return;
            }
            const QString when =
                QDateTime::fromMSecsSinceEpoch(qint64(p.x())).toString(QStringLiteral("HH:mm:ss"));
            QToolTip::showText(
                QCursor::pos(),
                QStringLiteral("%1\n%2 at %3").arg(line->name(), valueText(p.y()), when), m_view);
        });
        return line;
    }

    int freeSlot() const {
        for (int slot = 0;; ++slot) {
            const bool taken = std::any_of(m_lines.cbegin(), m_lines.cend(),
                                           [slot](const Line &l) { return l.slot == slot; });
            if (!taken)
                return slot;
        }
    }

    QString valueText(double value) const {
        if (m_kind == Kind::Rate)
            return formatRate(value, value < 10 ? 1 : 0) + QStringLiteral(" events/s");
        return countOf(qRound64(value), "entry", "entries");
    }

    void rebuildLegend() {
        const QSignalBlocker block(m_legend);
        const QString current =
            m_legend->currentItem() ? m_legend->currentItem()->text() : QString();
        m_legend->clear();
        QList<QByteArray> names = m_lines.keys();
        std::sort(names.begin(), names.end());
        for (const QByteArray &name : names) {
            const Line &line = m_lines.value(name);
            auto *item = new QListWidgetItem(penSwatch(line.series->pen(), this),
                                             QString::fromUtf8(name), m_legend);
            item->setData(Qt::UserRole, name);
            // Checked = drawn; toggled by the list (a click anywhere on the row), not the box.
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            if (item->text() == current)
                m_legend->setCurrentItem(item);
        }
        // Room for the whole names where it can be had (up to about 24 characters; longer ones
        // are cut in the middle, whole in their tooltip).
        const QFontMetrics fm = m_legend->fontMetrics();
        int widest = 0;
        for (const QByteArray &name : std::as_const(names))
            widest = std::max(widest, fm.horizontalAdvance(QString::fromUtf8(name)));
        const int chrome = m_legend->iconSize().width() + 3 * fm.averageCharWidth() + 24;
        m_legend->setMinimumWidth(std::clamp(widest + chrome, fm.averageCharWidth() * 22,
                                             fm.averageCharWidth() * 24 + chrome));
        updateLegendStates();
    }

    void updateLegendTips(const MetricHistory *history, bool current) {
        for (int i = 0; i < m_legend->count(); ++i) {
            QListWidgetItem *item = m_legend->item(i);
            const QByteArray name = item->data(Qt::UserRole).toByteArray();
            const double latest = history ? history->latest(name) : 0;
            const QString value = m_kind == Kind::Rate && !current
                                      ? formatRate(-1) + QStringLiteral(" events/s")
                                      : valueText(latest);
            const QString action = actionText(name);
            item->setToolTip(
                QStringLiteral("%1\n%2%3\n%4").arg(item->text(), tr("now "), value, action));
        }
    }

    QString actionText(const QByteArray &name) const {
        return m_hidden.contains(name) ? tr("Click to show its line")
                                       : tr("Click to hide its line");
    }

    void updateLegendStates() {
        for (int i = 0; i < m_legend->count(); ++i) {
            QListWidgetItem *item = m_legend->item(i);
            const bool shown = !m_hidden.contains(item->data(Qt::UserRole).toByteArray());
            item->setCheckState(shown ? Qt::Checked : Qt::Unchecked);
            item->setForeground(shown ? palette().brush(QPalette::Text)
                                      : palette().brush(QPalette::Disabled, QPalette::Text));
        }
    }

    void toggle(QListWidgetItem *item) {
        const QByteArray name = item->data(Qt::UserRole).toByteArray();
        const bool show = m_hidden.contains(name);
        if (show)
            m_hidden.remove(name);
        else
            m_hidden.insert(name);
        if (QLineSeries *l = line(QString::fromUtf8(name)))
            l->setVisible(show);
        updateLegendStates();
        QStringList tip = item->toolTip().split(QLatin1Char('\n'));
        if (!tip.isEmpty())
            tip.last() = actionText(name);
        item->setToolTip(tip.join(QLatin1Char('\n')));
    }

    void setTitleSuffix(const QString &suffix) {
        m_suffix = suffix;
        m_title->setText(suffix.isEmpty() ? m_titleText
                                          : QStringLiteral("%1 (%2)").arg(m_titleText, suffix));
        m_title->setStyleSheet(suffix.isEmpty() ? QString() : toneStyle(Tone::Muted));
    }

    QString m_key;
    Kind m_kind;
    QString m_titleText, m_suffix;
    QLabel *m_title;
    QChartView *m_view;
    LegendList *m_legend;
    QChart *m_chart;
    QDateTimeAxis *m_time;
    QValueAxis *m_values;
    QHash<QByteArray, Line> m_lines;
    QSet<QByteArray> m_hidden; // by the user, in the legend
};

ChartsView::ChartsView(QWidget *parent)
    : QWidget(parent)
    , m_own(new ChartHistories(this))
    , m_window(new QComboBox)
    , m_smooth(new QCheckBox(tr("smooth over 5 s")))
    , m_freshnessNote(new QLabel)
    , m_scopeNote(new QLabel)
    , m_timer(new QTimer(this)) {
    clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
    m_freshness.state = Freshness::State::Current; // until the session says otherwise
    for (int minutes : windowMinutes())
        m_window->addItem(minutes < 60    ? tr("last %1 minutes").arg(minutes)
                          : minutes == 60 ? tr("last hour")
                                          : tr("last %1 hours").arg(minutes / 60),
                          minutes);
    m_window->setToolTip(tr("How much history the charts show (an hour is kept)"));
    connect(m_window, &QComboBox::currentIndexChanged, this, [this] {
        refresh();
        Q_EMIT windowChanged(windowMinutesShown());
    });
    m_smooth->setObjectName(QStringLiteral("chartsSmooth"));
    m_smooth->setChecked(true);
    m_smooth->setToolTip(tr("Events per second over the last 5 seconds, instead of between two "
                            "samples a second apart (which jumps between 3 and 10 at a steady 5)"));
    connect(m_smooth, &QCheckBox::toggled, this, &ChartsView::setSmoothing);

    m_charts = {
        new MetricChart(QStringLiteral("rate"), MetricChart::Kind::Rate, QString(),
                        tr("Entries added per second to each stream, as read by the "
                           "live tail")),
        new MetricChart(QStringLiteral("length"), MetricChart::Kind::Count, tr("Length, by stream"),
                        tr("XLEN of each stream: what trimming keeps")),
        new MetricChart(QStringLiteral("lag"), MetricChart::Kind::Count, tr("Lag, by group"),
                        tr("Entries of the stream not yet delivered to the group (XINFO "
                           "GROUPS lag; estimated where the server cannot say)")),
        new MetricChart(QStringLiteral("pending"), MetricChart::Kind::Count,
                        tr("Pending, by group"),
                        tr("Entries delivered to the group's consumers and not yet "
                           "acknowledged (its pending entries list)"))};
    auto *grid = new QGridLayout;
    for (int i = 0; i < m_charts.size(); ++i)
        grid->addWidget(m_charts.at(i), i / 2, i % 2);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show")));
    top->addWidget(m_window);
    top->addWidget(m_smooth);
    auto *note = new QLabel(tr("The %1 busiest series of each chart; hover a line for its values, "
                               "click a name to hide or show its line.")
                                .arg(MetricChart::maxLines));
    note->setWordWrap(true);
    note->setStyleSheet(toneStyle(Tone::Muted));
    top->addWidget(note, 1);
    m_freshnessNote->setObjectName(QStringLiteral("chartsFreshness"));
    m_freshnessNote->setTextFormat(Qt::PlainText);
    m_freshnessNote->setWordWrap(true);
    m_freshnessNote->setStyleSheet(toneStyle(Tone::Warning));
    m_freshnessNote->hide();
    m_scopeNote->setObjectName(QStringLiteral("chartsScope"));
    m_scopeNote->setTextFormat(Qt::PlainText);
    m_scopeNote->setWordWrap(true);
    m_scopeNote->setStyleSheet(toneStyle(Tone::Warning));
    m_scopeNote->hide();
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_freshnessNote);
    layout->addWidget(m_scopeNote);
    layout->addLayout(grid, 1);

    setHistories(m_own);
    setSmoothing(true);
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &ChartsView::refresh);
    m_timer->start();
}

ChartsView::~ChartsView() = default;

void ChartsView::setHistories(ChartHistories *histories) {
    if (m_histories)
        disconnect(m_histories, nullptr, this, nullptr);
    m_histories = histories;
    m_drawnAny = false;
    if (histories) {
        connect(histories, &ChartHistories::cleared, this, &ChartsView::refresh);
        // The first samples are drawn at once; later ones with the next tick.
        connect(histories, &ChartHistories::changed, this, [this] {
            if (!m_drawnAny)
                refresh();
        });
    }
    refresh();
}

void ChartsView::setFreshness(const Freshness &freshness) {
    m_freshness = freshness;
    m_freshnessNote->setText(freshness.describe());
    m_freshnessNote->setVisible(!freshness.isCurrent());
    refresh();
}

void ChartsView::setSmoothing(bool on) {
    m_smooth->setChecked(on);
    chart(QStringLiteral("rate"))
        ->setTitleText(on ? tr("Events per second over 5 s, by stream")
                          : tr("Events per second, by stream"));
    refresh();
}

bool ChartsView::smoothing() const {
    return m_smooth->isChecked();
}

void ChartsView::addTailStats(const TailStats &stats) {
    m_own->addTailStats(stats);
}

void ChartsView::addStreams(const StreamInfoList &streams) {
    m_own->addStreams(streams);
}

void ChartsView::addGroups(const GroupSnapshot &snapshot) {
    m_own->addGroups(snapshot);
}

void ChartsView::clear() {
    m_own->clear();
}

void ChartsView::setWindowMinutes(int minutes) {
    const int index = m_window->findData(minutes);
    if (index >= 0)
        m_window->setCurrentIndex(index);
}

int ChartsView::windowMinutesShown() const {
    return m_window->currentData().toInt();
}

const MetricHistory *ChartsView::source(const MetricChart *c) const {
    if (!m_histories)
        return nullptr;
    if (c->key() == QLatin1String("rate"))
        return &m_histories->history(smoothing() ? ChartHistories::Metric::SmoothedRate
                                                 : ChartHistories::Metric::Rate);
    if (c->key() == QLatin1String("length"))
        return &m_histories->length();
    if (c->key() == QLatin1String("lag"))
        return &m_histories->lag();
    return &m_histories->pending();
}

void ChartsView::refresh() {
    if (!isVisible())
        return;    // a hidden chart costs nothing; it catches up when shown
    ++m_refreshes; // redraws, for tests and benchmarks
    const qint64 now = clock();
    const qint64 since = now - qint64(windowMinutesShown()) * 60 * 1000;
    // A rate while not current is not known: nothing after the last update is drawn.
    const qint64 rateUntil = !m_freshness.isCurrent() && m_freshness.lastUpdatedMs > 0
                                 ? m_freshness.lastUpdatedMs
                                 : std::numeric_limits<qint64>::max();
    for (MetricChart *c : m_charts) {
        const MetricHistory *h = source(c);
        c->update(h, since, now,
                  c->kind() == MetricChart::Kind::Rate ? rateUntil
                                                       : std::numeric_limits<qint64>::max(),
                  m_freshness);
        if (h && h->pointCount() > 0)
            m_drawnAny = true;
    }
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
    QLineSeries *l = c ? c->line(series) : nullptr;
    return l ? l->points() : QList<QPointF>();
}

const MetricHistory &ChartsView::history(const QString &name) const {
    static const MetricHistory none;
    if (!m_histories)
        return none;
    if (name == QLatin1String("rate"))
        return m_histories->rate();
    if (name == QLatin1String("length"))
        return m_histories->length();
    if (name == QLatin1String("lag"))
        return m_histories->lag();
    if (name == QLatin1String("pending"))
        return m_histories->pending();
    return none;
}

QListWidget *ChartsView::legend(const QString &name) const {
    MetricChart *c = chart(name);
    return c ? c->legend() : nullptr;
}

QPen ChartsView::seriesPen(const QString &name, const QString &series) const {
    MetricChart *c = chart(name);
    QLineSeries *l = c ? c->line(series) : nullptr;
    return l ? l->pen() : QPen();
}

bool ChartsView::isSeriesShown(const QString &name, const QString &series) const {
    MetricChart *c = chart(name);
    QLineSeries *l = c ? c->line(series) : nullptr;
    return l && l->isVisible();
}

QValueAxis *ChartsView::valueAxis(const QString &name) const {
    MetricChart *c = chart(name);
    return c ? c->valueAxis() : nullptr;
}

QWidget *ChartsView::chartView(const QString &name) const {
    MetricChart *c = chart(name);
    return c ? c->view() : nullptr;
}

void ChartsView::setScopeNote(const QString &text) {
    m_scopeNote->setText(text.isEmpty() ? QString() : tr("Part of the server: %1").arg(text));
    m_scopeNote->setToolTip(m_scopeNote->text());
    m_scopeNote->setVisible(!text.isEmpty());
}

QString ChartsView::scopeNote() const {
    return m_scopeNote->text();
}

QString ChartsView::freshnessNote() const {
    return m_freshnessNote->isVisibleTo(this) ? m_freshnessNote->text() : QString();
}

} // namespace streamscope
