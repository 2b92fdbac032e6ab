#include "FlowView.h"

#include "ChartTheme.h"
#include "EntryDetailView.h"
#include "GroupActions.h"
#include "GroupModels.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

namespace streamscope {

namespace {

// Histogram bins, in ms: [edge[i], edge[i+1]).
const QList<qint64> &binEdges() {
    static const QList<qint64> edges{
        0,   1,    2,    5,    10,    20,    50,    100,    200,
        500, 1000, 2000, 5000, 10000, 30000, 60000, 300000, std::numeric_limits<qint64>::max()};
    return edges;
}

QString binLabel(qint64 from) {
    if (from < 1000)
        return QStringLiteral("%1ms").arg(from);
    if (from < 60000)
        return QStringLiteral("%1s").arg(from / 1000);
    return QStringLiteral("%1m").arg(from / 60000);
}

QTableWidget *makeFlowTable(const QStringList &headers) {
    auto *t = new QTableWidget(0, int(headers.size()));
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->hide();
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setWordWrap(false);
    return t;
}

} // namespace

FlowView::FlowView(QWidget *parent)
    : QWidget(parent)
    , m_timer(new QTimer(this)) {
    clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
    buildUi();
    setConfig(FlowConfig());
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &FlowView::refresh);
    m_timer->start();
}

void FlowView::buildUi() {
    auto makeEdit = [this](const QString &tip) {
        auto *e = new QLineEdit;
        e->setToolTip(tip);
        connect(e, &QLineEdit::editingFinished, this, &FlowView::applyForm);
        return e;
    };
    m_startStream = makeEdit(tr("The stream whose entries start a flow"));
    m_startType = makeEdit(tr("The value of the type field that starts a flow (empty: any entry "
                              "of the start stream)"));
    m_endStream = makeEdit(tr("The stream whose entries end a flow"));
    m_completedType = makeEdit(tr("The type value of a successful end (empty: any end entry "
                                  "that is not a failure)"));
    m_failedType = makeEdit(tr("The type value of a failed end (empty: flows never fail)"));
    m_keyField = makeEdit(tr("The field both events carry, e.g. orderId"));
    m_typeField = makeEdit(tr("The field that names the event type (empty: no type checks)"));
    m_threshold = new QSpinBox;
    m_threshold->setRange(1, 24 * 3600);
    m_threshold->setSuffix(tr(" s"));
    m_threshold->setToolTip(tr("Flows started longer ago than this without an end event are "
                               "listed as waiting too long"));
    connect(m_threshold, &QSpinBox::editingFinished, this, &FlowView::applyForm);

    auto *form = new QGroupBox(tr("Flow"));
    auto *grid = new QGridLayout(form);
    int col = 0;
    auto addPair = [&](int row, const QString &label, QWidget *w) {
        grid->addWidget(new QLabel(label), row, col);
        grid->addWidget(w, row, col + 1);
    };
    addPair(0, tr("Starts on"), m_startStream);
    addPair(1, tr("with type"), m_startType);
    col = 2;
    addPair(0, tr("Ends on"), m_endStream);
    addPair(1, tr("completed"), m_completedType);
    col = 4;
    addPair(0, tr("Key field"), m_keyField);
    addPair(1, tr("failed"), m_failedType);
    col = 6;
    addPair(0, tr("Type field"), m_typeField);
    addPair(1, tr("Waiting over"), m_threshold);
    auto *resetButton = new QPushButton(tr("Reset counts"));
    resetButton->setToolTip(tr("Start counting afresh from now"));
    connect(resetButton, &QPushButton::clicked, this, &FlowView::reset);
    grid->addWidget(resetButton, 0, 8, 2, 1);

    // The counters.
    auto *tiles = new QHBoxLayout;
    const QList<std::pair<QString, QString>> counters{
        {QStringLiteral("started"), tr("Flows whose start event arrived while watching")},
        {QStringLiteral("completed"), tr("Flows with a completed end event")},
        {QStringLiteral("failed"), tr("Flows with a failed end event")},
        {QStringLiteral("waiting"), tr("Started flows with no end event yet")},
        {QStringLiteral("overdue"), tr("Waiting flows older than the threshold: the ones nobody "
                                       "has handled (listed below)")}};
    for (const auto &[name, tip] : counters) {
        auto *label = new QLabel;
        label->setToolTip(tip);
        label->setAlignment(Qt::AlignCenter);
        label->setFrameShape(QFrame::StyledPanel);
        label->setMinimumWidth(110);
        label->setTextFormat(Qt::RichText);
        m_counters.insert(name, label);
        tiles->addWidget(label);
    }
    m_latency = new QLabel;
    m_latency->setToolTip(tr("End-to-end latency of finished flows: from the start event's ID "
                             "time to the end event's ID time (both set by the server)"));
    m_latency->setTextFormat(Qt::RichText);
    tiles->addWidget(m_latency, 1);
    m_note = new QLabel;
    m_note->setWordWrap(true);

    // The histogram.
    m_chart = new QChart;
    followPalette(m_chart);
    m_bars = new QBarSet(tr("flows"));
    auto *series = new QBarSeries;
    series->append(m_bars);
    m_chart->addSeries(series);
    auto *binAxis = new QBarCategoryAxis;
    QStringList labels;
    for (qsizetype i = 0; i + 1 < binEdges().size(); ++i) {
        labels << binLabel(binEdges().at(i));
        m_bars->append(0);
    }
    binAxis->append(labels);
    binAxis->setTitleText(tr("latency from (first to last event)"));
    QFont small = binAxis->labelsFont();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    binAxis->setLabelsFont(small);
    m_countAxis = new QValueAxis;
    m_countAxis->setLabelFormat(QStringLiteral("%d"));
    m_chart->addAxis(binAxis, Qt::AlignBottom);
    m_chart->addAxis(m_countAxis, Qt::AlignLeft);
    series->attachAxis(binAxis);
    series->attachAxis(m_countAxis);
    m_chart->legend()->hide();
    m_chart->setTitle(tr("End-to-end latency"));
    connect(series, &QBarSeries::hovered, this, [this, labels](bool on, int index, QBarSet *set) {
        if (on)
            setToolTip(tr("%1 flows took %2 to %3")
                           .arg(qint64(set->at(index)))
                           .arg(labels.value(index),
                                index + 1 < labels.size() ? labels.value(index + 1) : tr("more")));
        else
            setToolTip({});
    });
    auto *chartView = new QChartView(m_chart);
    chartView->setRenderHint(QPainter::Antialiasing);
    chartView->setMinimumHeight(180);

    // Lists of flows; double-click one to look its key up.
    m_waiting = makeFlowTable({tr("Key"), tr("Started"), tr("Waiting for"), tr("Start entry")});
    m_finished = makeFlowTable(
        {tr("Key"), tr("Outcome"), tr("Latency"), tr("Start entry"), tr("End entry")});
    m_waiting->setObjectName(QStringLiteral("waitingFlows"));
    m_finished->setObjectName(QStringLiteral("finishedFlows"));
    for (QTableWidget *t : {m_waiting, m_finished})
        connect(t, &QTableWidget::cellDoubleClicked, this, [this, t](int row, int) {
            if (QTableWidgetItem *item = t->item(row, 0))
                lookup(item->text().toUtf8());
        });
    auto *lists = new QTabWidget;
    m_lists = lists;
    connect(lists, &QTabWidget::tabBarClicked, this, [this] { m_listChosen = true; });
    lists->addTab(m_waiting, tr("Waiting too long"));
    lists->addTab(m_finished, tr("Recently finished"));
    lists->setTabToolTip(0, tr("Flows with a start event and no end event, older than the "
                               "threshold, oldest first. Double-click to see both events."));

    // Lookup.
    m_key = new QLineEdit;
    m_key->setPlaceholderText(tr("Find a key, e.g. 4711"));
    m_key->setToolTip(tr("Finds the key's events in both streams, newest first through history "
                         "(bounded: at most 200,000 entries per stream)"));
    m_find = new QPushButton(tr("Find"));
    connect(m_key, &QLineEdit::returnPressed, m_find, &QPushButton::click);
    connect(m_find, &QPushButton::clicked, this, [this] {
        if (m_searching) { // the button says Stop
            if (m_requests)
                m_requests->worker()->cancelLookups(m_request);
            return;
        }
        if (!m_key->text().trimmed().isEmpty())
            lookup(m_key->text().trimmed().toUtf8());
    });
    m_lookupNote = new QLabel(tr("Double-click a flow, or type a key, to see its events in both "
                                 "streams side by side."));
    m_lookupNote->setWordWrap(true);
    auto *findRow = new QHBoxLayout;
    findRow->addWidget(new QLabel(tr("Where is")));
    findRow->addWidget(m_key, 1);
    findRow->addWidget(m_find);
    auto *sides = new QSplitter(Qt::Horizontal);
    m_sidesBox = sides;
    sides->hide(); // until there is something to show
    for (Side &side : m_sides) {
        auto *box = new QWidget;
        auto *v = new QVBoxLayout(box);
        v->setContentsMargins(0, 0, 0, 0);
        side.title = new QLabel;
        side.hits = new QListWidget;
        side.hits->setMaximumHeight(70);
        side.detail = new EntryDetailView;
        v->addWidget(side.title);
        v->addWidget(side.hits);
        v->addWidget(side.detail, 1);
        sides->addWidget(box);
        connect(side.hits, &QListWidget::currentRowChanged, this, [&side](int row) {
            if (row >= 0 && row < side.entries.size())
                side.detail->showEntry(side.entries.at(row));
            else
                side.detail->clearEntry();
        });
    }
    auto *lookupBox = new QWidget;
    auto *lookupLayout = new QVBoxLayout(lookupBox);
    lookupLayout->setContentsMargins(0, 0, 0, 0);
    lookupLayout->addLayout(findRow);
    lookupLayout->addWidget(m_lookupNote);
    lookupLayout->addWidget(sides, 1);

    auto *lower = new QSplitter(Qt::Horizontal);
    lower->addWidget(lists);
    lower->addWidget(lookupBox);
    lower->setSizes({420, 600});
    auto *upper = new QSplitter(Qt::Vertical);
    upper->setObjectName(QStringLiteral("flowSplitter"));
    upper->addWidget(chartView);
    upper->addWidget(lower);
    upper->setSizes({220, 380});

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(form);
    layout->addLayout(tiles);
    layout->addWidget(m_note);
    layout->addWidget(upper, 1);
}

void FlowView::setRequests(GroupActions *requests) {
    if (m_requests)
        disconnect(m_requests->worker(), nullptr, this, nullptr);
    m_requests = requests;
    if (!requests)
        return;
    connect(requests->worker(), &GroupActionsWorker::keyFound, this,
            [this](int request, const KeyLookupResult &result) {
                if (request == m_request)
                    showLookup(result);
            });
}

void FlowView::setConfig(const FlowConfig &config) {
    m_tracker.setConfig(config);
    m_startStream->setText(QString::fromUtf8(config.startStream));
    m_endStream->setText(QString::fromUtf8(config.endStream));
    m_keyField->setText(QString::fromUtf8(config.keyField));
    m_typeField->setText(QString::fromUtf8(config.typeField));
    m_startType->setText(QString::fromUtf8(config.startType));
    m_completedType->setText(QString::fromUtf8(config.completedType));
    m_failedType->setText(QString::fromUtf8(config.failedType));
    m_threshold->setValue(int(config.waitingThresholdMs / 1000));
    refresh();
}

void FlowView::applyForm() {
    FlowConfig c = m_tracker.config();
    c.startStream = m_startStream->text().trimmed().toUtf8();
    c.endStream = m_endStream->text().trimmed().toUtf8();
    c.keyField = m_keyField->text().trimmed().toUtf8();
    c.typeField = m_typeField->text().trimmed().toUtf8();
    c.startType = m_startType->text().trimmed().toUtf8();
    c.completedType = m_completedType->text().trimmed().toUtf8();
    c.failedType = m_failedType->text().trimmed().toUtf8();
    c.waitingThresholdMs = qint64(m_threshold->value()) * 1000;
    if (c.startStream.isEmpty() || c.endStream.isEmpty() || c.keyField.isEmpty()) {
        m_note->setText(tr("<span style='color:#c62828'>A flow needs a start stream, an end "
                           "stream and a key field.</span>"));
        return;
    }
    if (c == m_tracker.config())
        return;
    m_tracker.setConfig(c);
    refresh();
    Q_EMIT configChanged(c);
}

void FlowView::reset() {
    m_tracker.reset();
    refresh();
}

QString FlowView::counterText(const QString &name) const {
    const QLabel *l = m_counters.value(name);
    return l ? l->text() : QString();
}

void FlowView::refresh() {
    ++m_refreshes;
    m_stats = m_tracker.stats(clock());
    const QLocale locale;
    auto tile = [&](const QString &name, const QString &title, qint64 value, const char *colour) {
        m_counters.value(name)->setText(
            QStringLiteral("%1<br><span style='font-size:x-large; %2'>%3</span>")
                .arg(title,
                     value && colour ? QStringLiteral("color:%1").arg(QLatin1String(colour))
                                     : QString(),
                     locale.toString(value)));
    };
    tile(QStringLiteral("started"), tr("Started"), m_stats.started, nullptr);
    tile(QStringLiteral("completed"), tr("Completed"), m_stats.completed, nullptr);
    tile(QStringLiteral("failed"), tr("Failed"), m_stats.failed, "#c62828");
    tile(QStringLiteral("waiting"), tr("Waiting"), m_stats.waiting, nullptr);
    tile(QStringLiteral("overdue"),
         tr("Waiting over %1").arg(formatDuration(m_tracker.config().waitingThresholdMs)),
         m_stats.waitingOverThreshold, "#c62828");
    const qint64 finished = m_stats.completed + m_stats.failed;
    m_latency->setText(
        finished == 0 ? tr("Latency: no finished flows yet")
                      : tr("Latency p50 <b>%1</b> &nbsp; p90 <b>%2</b> &nbsp; p99 <b>%3</b> "
                           "&nbsp; max %4<br>over %5 finished flows")
                            .arg(formatDuration(m_stats.p50), formatDuration(m_stats.p90),
                                 formatDuration(m_stats.p99), formatDuration(m_stats.maxLatency),
                                 locale.toString(finished)));
    QStringList notes;
    if (m_stats.endsWithoutStart)
        notes << tr("%1 end events whose start came before watching began (not counted)")
                     .arg(locale.toString(m_stats.endsWithoutStart));
    if (m_stats.untracked)
        notes << tr("%1 old waiting flows no longer tracked (over %2 open)")
                     .arg(locale.toString(m_stats.untracked),
                          locale.toString(m_tracker.config().maxOpenFlows));
    m_note->setText(notes.join(QStringLiteral("; ")));
    m_note->setVisible(!notes.isEmpty());
    updateHistogram();

    // The lists, keeping the selected key selected.
    auto selectedKey = [](QTableWidget *t) {
        const auto items = t->selectedItems();
        return items.isEmpty() ? QString() : t->item(items.first()->row(), 0)->text();
    };
    auto fill = [&](QTableWidget *t, int rows, auto &&rowAt) {
        const QString keep = selectedKey(t);
        t->setUpdatesEnabled(false);
        t->setRowCount(rows);
        for (int r = 0; r < rows; ++r) {
            const QStringList cells = rowAt(r);
            for (int c = 0; c < cells.size(); ++c) {
                QTableWidgetItem *item = t->item(r, c);
                if (!item)
                    t->setItem(r, c, item = new QTableWidgetItem);
                item->setText(cells.at(c));
            }
            if (!keep.isEmpty() && cells.first() == keep)
                t->selectRow(r);
        }
        t->setUpdatesEnabled(true);
    };
    // Until the user picks a list, show the one with something in it.
    if (!m_listChosen)
        m_lists->setCurrentWidget(
            m_stats.oldestWaiting.isEmpty() && !m_stats.recentFinished.isEmpty() ? m_finished
                                                                                 : m_waiting);
    fill(m_waiting, int(m_stats.oldestWaiting.size()), [&](int r) {
        const WaitingFlow &f = m_stats.oldestWaiting.at(r);
        return QStringList{QString::fromUtf8(f.key),
                           f.startId.timeText(QStringLiteral("HH:mm:ss.zzz")),
                           formatDuration(f.ageMs), QString::fromLatin1(f.startId.toByteArray())};
    });
    fill(m_finished, int(m_stats.recentFinished.size()), [&](int r) {
        const FinishedFlow &f = m_stats.recentFinished.at(r);
        return QStringList{QString::fromUtf8(f.key), f.failed ? tr("failed") : tr("completed"),
                           formatDuration(f.latencyMs()),
                           QString::fromLatin1(f.startId.toByteArray()),
                           QString::fromLatin1(f.endId.toByteArray())};
    });
}

void FlowView::updateHistogram() {
    const QList<qint64> &edges = binEdges();
    QList<qreal> counts;
    qint64 top = 4; // whole-number ticks while the counts are small
    for (qsizetype i = 0; i + 1 < edges.size(); ++i) {
        const qint64 n = m_tracker.histogram().countBetween(edges.at(i), edges.at(i + 1));
        counts << qreal(n);
        top = std::max(top, n);
    }
    for (qsizetype i = 0; i < counts.size(); ++i)
        if (m_bars->at(i) != counts.at(i))
            m_bars->replace(int(i), counts.at(i));
    m_countAxis->setRange(0, double(top) * 1.1);
    m_countAxis->applyNiceNumbers();
}

QList<qreal> FlowView::histogramBars() const {
    QList<qreal> bars;
    for (int i = 0; i < m_bars->count(); ++i)
        bars << m_bars->at(i);
    return bars;
}

QList<qint64> FlowView::histogramEdges() {
    return binEdges();
}

void FlowView::lookup(const QByteArray &key) {
    m_key->setText(QString::fromUtf8(key));
    if (!m_requests) {
        m_lookupNote->setText(tr("Not connected."));
        return;
    }
    const FlowConfig &c = m_tracker.config();
    QList<QByteArray> streams{c.startStream};
    if (c.endStream != c.startStream)
        streams << c.endStream;
    m_lookupNote->setText(tr("Searching %1 for %2 = %3...")
                              .arg(QString::fromUtf8(streams.join(", ")),
                                   QString::fromUtf8(c.keyField), QString::fromUtf8(key)));
    m_searching = true;
    m_find->setText(tr("Stop"));
    QMetaObject::invokeMethod(m_requests->worker(), "lookupKey", Qt::QueuedConnection,
                              Q_ARG(int, ++m_request), Q_ARG(QList<QByteArray>, streams),
                              Q_ARG(QByteArray, c.keyField), Q_ARG(QByteArray, key));
}

void FlowView::showLookup(const KeyLookupResult &found) {
    m_searching = false;
    m_find->setText(tr("Find"));
    KeyLookupResult result = found;
    if (searchLive) { // add what the live window holds and history did not return
        const StreamEntryList live = searchLive(result.field, result.value);
        for (KeyLookupHits &h : result.streams) {
            QSet<QByteArray> have;
            for (const StreamEntry &e : h.entries)
                have.insert(e.id.toByteArray());
            bool added = false;
            for (const StreamEntry &e : live)
                if (e.stream == h.stream && !have.contains(e.id.toByteArray())) {
                    h.entries.append(e);
                    added = true;
                }
            if (added)
                std::sort(h.entries.begin(), h.entries.end(),
                          [](const StreamEntry &a, const StreamEntry &b) { return a.id < b.id; });
        }
    }
    m_lookup = result;
    m_sidesBox->show();
    m_lookupNote->setText(result.describe());
    for (int i = 0; i < 2; ++i) {
        Side &side = m_sides[i];
        side.hits->clear();
        side.entries.clear();
        if (i >= result.streams.size()) {
            side.title->clear();
            side.detail->clearEntry();
            continue;
        }
        const KeyLookupHits &h = result.streams.at(i);
        side.entries = h.entries;
        side.title->setText(QStringLiteral("<b>%1</b>: %2")
                                .arg(QString::fromUtf8(h.stream).toHtmlEscaped(),
                                     h.entries.isEmpty()
                                         ? tr("no event")
                                         : tr("%n event(s)", nullptr, int(h.entries.size()))));
        for (const StreamEntry &e : h.entries)
            side.hits->addItem(QStringLiteral("%1  %2").arg(
                QString::fromLatin1(e.id.toByteArray()),
                QString::fromUtf8(m_tracker.config().typeField.isEmpty()
                                      ? QByteArray()
                                      : e.value(m_tracker.config().typeField))));
        if (!h.entries.isEmpty())
            side.hits->setCurrentRow(0);
        else
            side.detail->clearEntry();
    }
    Q_EMIT lookupFinished();
}

} // namespace streamscope
