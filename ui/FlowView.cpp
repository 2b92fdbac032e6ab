#include "FlowView.h"

#include "ChartTheme.h"
#include "EntryDetailView.h"
#include "GroupActions.h"
#include "GroupModels.h"
#include "Palette.h"
#include "Wording.h"

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
#include <QPushButton>
#include <QSettings>
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
    qRegisterMetaType<FlowConfig>();
    qRegisterMetaType<FlowHistoryResult>();
    qRegisterMetaType<KeyLookupResult>();
    clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
    // Until the session says otherwise, what the tracker holds is what arrived.
    m_freshness.state = Freshness::State::Current;
    buildUi();
    fillForm();
    refresh();
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
    m_failedType = makeEdit(tr("The type values of a failed end, separated by commas (empty: "
                               "flows never fail)"));
    m_keyField = makeEdit(tr("The field both events carry, e.g. orderId"));
    m_typeField = makeEdit(tr("The field that names the event type (empty: no type checks)"));
    m_startStream->setObjectName(QStringLiteral("flowStartStream"));
    m_startType->setObjectName(QStringLiteral("flowStartType"));
    m_endStream->setObjectName(QStringLiteral("flowEndStream"));
    m_completedType->setObjectName(QStringLiteral("flowCompletedType"));
    m_failedType->setObjectName(QStringLiteral("flowFailedType"));
    m_keyField->setObjectName(QStringLiteral("flowKeyField"));
    m_typeField->setObjectName(QStringLiteral("flowTypeField"));
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
    m_note->setObjectName(QStringLiteral("flowNote"));
    m_note->setWordWrap(true);
    m_note->setTextFormat(Qt::RichText);

    // History: the same counts over the last minutes, read back by ID range.
    m_historyMinutes = new QSpinBox;
    m_historyMinutes->setRange(1, 7 * 24 * 60);
    m_historyMinutes->setValue(15);
    m_historyMinutes->setSuffix(tr(" min"));
    m_count = new QPushButton(tr("Count"));
    m_count->setToolTip(tr("Reads the flow's streams from that moment to now (by ID, at most "
                           "200,000 entries per stream) and counts the flows in them"));
    connect(m_count, &QPushButton::clicked, this, [this] {
        if (m_counting) { // the button says Stop
            if (m_requests)
                m_requests->worker()->cancelLookups(m_countRequest);
            return;
        }
        countHistory(m_historyMinutes->value());
    });
    m_historyNote = new QLabel;
    m_historyNote->setObjectName(QStringLiteral("flowHistoryNote"));
    m_historyNote->setWordWrap(true);
    m_historyNote->setTextFormat(Qt::RichText);
    m_historyNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *historyRow = new QHBoxLayout;
    historyRow->addWidget(new QLabel(tr("Count flows from the last")));
    historyRow->addWidget(m_historyMinutes);
    historyRow->addWidget(m_count);
    historyRow->addWidget(m_historyNote, 1);

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
            setToolTip(tr("%1 took %2 to %3")
                           .arg(countOf(qint64(set->at(index)), "flow", "flows"),
                                labels.value(index),
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
    m_key->setToolTip(
        tr("Finds the key's events in the flow's streams, newest first through history "
           "(bounded: at most 200,000 entries per stream)"));
    m_find = new QPushButton(tr("Find"));
    connect(m_key, &QLineEdit::returnPressed, m_find, &QPushButton::click);
    connect(m_find, &QPushButton::clicked, this, [this] {
        if (m_searching) { // the button says Stop
            if (m_requests)
                m_requests->worker()->cancelLookups(m_lookupRequest);
            return;
        }
        if (!m_key->text().trimmed().isEmpty())
            lookup(m_key->text().trimmed().toUtf8());
    });
    m_lookupNote = new QLabel(tr("Double-click a flow, or type a key, to see its start and end "
                                 "events side by side."));
    m_lookupNote->setObjectName(QStringLiteral("flowLookupNote"));
    m_lookupNote->setWordWrap(true);
    m_lookupNote->setTextFormat(Qt::RichText);
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
        side.title->setTextFormat(Qt::RichText);
        side.title->setWordWrap(true);
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
    layout->addLayout(historyRow);
    layout->addWidget(upper, 1);
}

void FlowView::setRequests(GroupActions *requests) {
    if (m_requests)
        disconnect(m_requests->worker(), nullptr, this, nullptr);
    m_requests = requests;
    // An answer from the previous connection never arrives: nothing is under way any more.
    setSearching(false);
    setCounting(false);
    if (!requests)
        return;
    connect(requests->worker(), &GroupActionsWorker::keyFound, this,
            [this](int request, const KeyLookupResult &result) {
                if (request == m_lookupRequest)
                    showLookup(result);
            });
    connect(requests->worker(), &GroupActionsWorker::flowsCounted, this,
            [this](int request, const FlowHistoryResult &result) {
                if (request == m_countRequest)
                    showHistory(result);
            });
}

void FlowView::setTracker(FlowTracker *tracker) {
    m_tracker = tracker;
    if (m_tracker)
        m_tracker->setConfig(m_config);
    refresh();
}

void FlowView::addEntries(const StreamEntryList &batch) {
    if (m_tracker)
        m_tracker->add(batch);
}

void FlowView::setSettingsStore(QSettings *store) {
    m_store = store;
    if (m_store && hasSavedFlowConfig(*m_store))
        applyConfig(loadFlowConfig(*m_store), false);
}

void FlowView::setConfig(const FlowConfig &config) {
    applyConfig(config, true);
}

void FlowView::applyConfig(const FlowConfig &config, bool save) {
    const bool changed = config != m_config;
    m_config = config;
    m_formProblem.clear();
    fillForm();
    if (m_tracker)
        m_tracker->setConfig(m_config);
    if (changed && save && m_store)
        saveFlowConfig(*m_store, m_config);
    refresh();
    if (changed)
        Q_EMIT configChanged(m_config);
}

void FlowView::fillForm() {
    m_startStream->setText(QString::fromUtf8(m_config.startStream));
    m_endStream->setText(QString::fromUtf8(m_config.endStream));
    m_keyField->setText(QString::fromUtf8(m_config.keyField));
    m_typeField->setText(QString::fromUtf8(m_config.typeField));
    m_startType->setText(QString::fromUtf8(m_config.startType));
    m_completedType->setText(QString::fromUtf8(m_config.completedType));
    m_failedType->setText(QString::fromUtf8(m_config.failedType));
    m_threshold->setValue(int(m_config.waitingThresholdMs / 1000));
}

void FlowView::applyForm() {
    FlowConfig c = m_config;
    c.startStream = m_startStream->text().trimmed().toUtf8();
    c.endStream = m_endStream->text().trimmed().toUtf8();
    c.keyField = m_keyField->text().trimmed().toUtf8();
    c.typeField = m_typeField->text().trimmed().toUtf8();
    c.startType = m_startType->text().trimmed().toUtf8();
    c.completedType = m_completedType->text().trimmed().toUtf8();
    c.failedType = m_failedType->text().trimmed().toUtf8();
    c.waitingThresholdMs = qint64(m_threshold->value()) * 1000;
    if (const QString why = c.problem(); !why.isEmpty()) {
        m_formProblem = why; // kept in the form until fixed, not applied
        refresh();
        return;
    }
    if (c == m_config) {
        if (!m_formProblem.isEmpty()) {
            m_formProblem.clear();
            refresh();
        }
        return;
    }
    applyConfig(c, true);
}

void FlowView::setKnownStreams(const QList<QByteArray> &names, bool complete) {
    m_knownStreams = names;
    m_knownComplete = complete;
    m_knownSet = true;
    refresh();
}

QList<QByteArray> FlowView::missingStreams() const {
    QList<QByteArray> missing;
    if (!m_knownSet || !m_knownComplete)
        return missing;
    for (const QByteArray &s : m_config.streams())
        if (!m_knownStreams.contains(s))
            missing << s;
    return missing;
}

void FlowView::setFreshness(const Freshness &freshness) {
    if (freshness == m_freshness)
        return;
    m_freshness = freshness;
    refresh();
}

void FlowView::reset() {
    if (m_tracker)
        m_tracker->reset();
    refresh();
}

QString FlowView::counterText(const QString &name) const {
    const QLabel *l = m_counters.value(name);
    return l ? l->text() : QString();
}

QString FlowView::noteText() const {
    return m_note->isVisible() || !m_note->text().isEmpty() ? m_note->text() : QString();
}

QString FlowView::lookupNoteText() const {
    return m_lookupNote->text();
}

QString FlowView::paneTitle(int side) const {
    return side >= 0 && side < 2 ? m_sides[side].title->text() : QString();
}

StreamEntryList FlowView::paneEntries(int side) const {
    return side >= 0 && side < 2 ? m_sides[side].entries : StreamEntryList();
}

QString FlowView::historyText() const {
    return m_historyNote->text();
}

void FlowView::refresh() {
    ++m_refreshes;
    const bool current = m_freshness.isCurrent();
    // While not current, the figures are those of the last update, and ages are measured then
    // (a flow is not "waiting longer" because we stopped hearing from the server).
    const qint64 now =
        !current && m_freshness.lastUpdatedMs > 0 ? m_freshness.lastUpdatedMs : clock();
    m_stats = m_tracker ? m_tracker->stats(now) : FlowStats();
    const QList<QByteArray> missing = missingStreams();
    const bool nothingSeen = m_stats.started == 0 && m_stats.completed == 0 && m_stats.failed == 0
                             && m_stats.endsWithoutStart == 0;
    // No zeros for what cannot be counted: no tracker, or streams the server does not have.
    const bool blank = !m_tracker || (!missing.isEmpty() && nothingSeen);
    auto tile = [&](const QString &name, const QString &title, qint64 value, bool alarm) {
        QString style;
        if (!current)
            style = toneStyle(Tone::Muted);
        else if (alarm && value > 0 && !blank)
            style = toneStyle(Tone::Critical);
        m_counters.value(name)->setText(
            QStringLiteral("%1<br><span style='font-size:x-large; %2'>%3</span>")
                .arg(title.toHtmlEscaped(), style,
                     blank ? QStringLiteral("-") : formatCount(value)));
    };
    tile(QStringLiteral("started"), tr("Started"), m_stats.started, false);
    tile(QStringLiteral("completed"), tr("Completed"), m_stats.completed, false);
    tile(QStringLiteral("failed"), tr("Failed"), m_stats.failed, true);
    tile(QStringLiteral("waiting"), tr("Waiting"), m_stats.waiting, false);
    tile(QStringLiteral("overdue"),
         tr("Waiting over %1").arg(formatDuration(m_config.waitingThresholdMs)),
         m_stats.waitingOverThreshold, true);
    const qint64 finished = m_stats.completed + m_stats.failed;
    const QString latency =
        blank || finished == 0
            ? tr("Latency: no finished flows yet")
            : tr("Latency p50 <b>%1</b> &nbsp; p90 <b>%2</b> &nbsp; p99 <b>%3</b> "
                 "&nbsp; max %4<br>over %5")
                  .arg(formatLatency(m_stats.p50), formatLatency(m_stats.p90),
                       formatLatency(m_stats.p99), formatLatency(m_stats.maxLatency),
                       countOf(finished, "finished flow", "finished flows"));
    m_latency->setText(
        current
            ? latency
            : QStringLiteral("<span style='%1'>%2</span>").arg(toneStyle(Tone::Muted), latency));

    QStringList notes;
    if (!m_formProblem.isEmpty())
        notes << toneHtml(Tone::Critical, m_formProblem + tr(" (not applied)"));
    else if (const QString why = m_config.problem(); !why.isEmpty())
        notes << toneHtml(Tone::Critical, why); // e.g. restored from older settings
    if (!m_tracker)
        notes << tr("Not connected: no flows to count.");
    else if (!current)
        notes << toneHtml(Tone::Warning, m_freshness.describe());
    if (!missing.isEmpty()) {
        QStringList names;
        for (const QByteArray &s : missing)
            names << QString::fromUtf8(s);
        const QString list =
            names.size() == 1
                ? names.first()
                : tr("%1 and %2")
                      .arg(names.mid(0, names.size() - 1).join(QStringLiteral(", ")), names.last());
        notes << toneHtml(Tone::Warning,
                          (names.size() == 1 ? tr("%1 does not exist on this server: set the "
                                                  "flow's streams")
                                             : tr("%1 do not exist on this server: set the "
                                                  "flow's streams"))
                              .arg(list));
    }
    if (!blank && m_stats.endsWithoutStart)
        notes << tr("%1 whose start came before watching began (not counted)")
                     .arg(countOf(m_stats.endsWithoutStart, "end event", "end events"));
    if (!blank && m_stats.untracked)
        notes << tr("%1 no longer tracked (over %2 open)")
                     .arg(countOf(m_stats.untracked, "old waiting flow", "old waiting flows"),
                          formatCount(m_config.maxOpenFlows));
    m_note->setText(notes.join(QStringLiteral("; ")));
    m_note->setVisible(!notes.isEmpty());
    updateHistogram();

    // The lists, keeping the selected key selected.
    const QBrush ink = current ? QBrush() : QBrush(toneColour(Tone::Muted, palette()));
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
                item->setForeground(ink);
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
                           formatLatency(f.latencyMs()),
                           QString::fromLatin1(f.startId.toByteArray()),
                           QString::fromLatin1(f.endId.toByteArray())};
    });
}

void FlowView::updateHistogram() {
    const QList<qint64> &edges = binEdges();
    QList<qreal> counts;
    qint64 top = 4; // whole-number ticks while the counts are small
    for (qsizetype i = 0; i + 1 < edges.size(); ++i) {
        const qint64 n =
            m_tracker ? m_tracker->histogram().countBetween(edges.at(i), edges.at(i + 1)) : 0;
        counts << qreal(n);
        top = std::max(top, n);
    }
    for (qsizetype i = 0; i < counts.size(); ++i)
        if (m_bars->at(i) != counts.at(i))
            m_bars->replace(int(i), counts.at(i));
    m_countAxis->setRange(0, double(top) * 1.1);
    m_countAxis->applyNiceNumbers();
    // Greyed while the figures are not current.
    const QColor colour =
        m_freshness.isCurrent() ? seriesColour(0, palette()) : toneColour(Tone::Muted, palette());
    if (m_bars->color() != colour)
        m_bars->setColor(colour);
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

void FlowView::setSearching(bool searching) {
    m_searching = searching;
    m_find->setText(searching ? tr("Stop") : tr("Find"));
}

void FlowView::setCounting(bool counting) {
    m_counting = counting;
    m_count->setText(counting ? tr("Stop") : tr("Count"));
}

// Why the server cannot be asked now ("" when it can): not connected, or not answering.
QString FlowView::whyCannotAsk() const {
    if (!m_requests)
        return tr("not connected");
    if (!m_freshness.isCurrent())
        return m_freshness.reason.isEmpty() ? tr("the connection is not current")
                                            : m_freshness.reason;
    return {};
}

void FlowView::lookup(const QByteArray &key) {
    m_key->setText(QString::fromUtf8(key));
    const QList<QByteArray> streams = m_config.streams();
    const QString what =
        QStringLiteral("%1 = %2").arg(QString::fromUtf8(m_config.keyField), QString::fromUtf8(key));
    // During an outage nothing can be searched: say so (and why), never "no event".
    const QString cannot = whyCannotAsk();
    if (!cannot.isEmpty()) {
        ++m_request; // an answer to an earlier lookup no longer belongs here
        m_lookupRequest = m_request;
        setSearching(false);
        KeyLookupResult result;
        result.field = m_config.keyField;
        result.value = key;
        for (const QByteArray &s : streams) {
            KeyLookupHits hits;
            hits.stream = s;
            hits.error = cannot;
            hits.errorKind = Error::Kind::Connect;
            result.streams.append(hits);
        }
        showLookup(result);
        return;
    }
    m_lookupNote->setText(
        tr("Searching %1 for %2...").arg(QString::fromUtf8(streams.join(", ")), what));
    setSearching(true);
    m_lookupRequest = ++m_request;
    QMetaObject::invokeMethod(m_requests->worker(), "lookupKey", Qt::QueuedConnection,
                              Q_ARG(int, m_lookupRequest), Q_ARG(QList<QByteArray>, streams),
                              Q_ARG(QByteArray, m_config.keyField), Q_ARG(QByteArray, key));
}

void FlowView::showLookup(const KeyLookupResult &found) {
    setSearching(false);
    KeyLookupResult result = found;
    qint64 fromLive = 0;
    if (searchLive) { // add what the live window holds and history did not return
        const StreamEntryList live = searchLive(result.field, result.value);
        for (KeyLookupHits &h : result.streams) {
            QSet<QByteArray> have;
            for (const StreamEntry &e : h.entries)
                have.insert(e.id.toByteArray());
            bool added = false;
            for (const StreamEntry &e : live)
                if (e.stream == h.stream && !have.contains(e.id.toByteArray())) {
                    have.insert(e.id.toByteArray());
                    h.entries.append(e);
                    added = true;
                    ++fromLive;
                }
            if (added)
                std::sort(h.entries.begin(), h.entries.end(),
                          [](const StreamEntry &a, const StreamEntry &b) { return a.id < b.id; });
        }
    }
    m_lookup = result;
    m_sidesBox->show();

    QStringList errors;
    for (const KeyLookupHits &h : result.streams)
        if (!h.error.isEmpty())
            errors << QStringLiteral("%1: %2").arg(QString::fromUtf8(h.stream), h.error);
    const QString what = QStringLiteral("%1 = %2").arg(QString::fromUtf8(result.field),
                                                       QString::fromUtf8(result.value));
    if (!errors.isEmpty())
        m_lookupNote->setText(
            toneHtml(
                Tone::Critical,
                tr("Could not search for %1 (%2).").arg(what, errors.join(QStringLiteral("; "))))
            + (fromLive > 0 ? tr(" Shown: only what the live window holds.") : QString()));
    else
        m_lookupNote->setText(result.describe().toHtmlEscaped());

    // The two panes: a stream each, or, with start and end on one stream, its start (and
    // the events between) on the left and its end events on the right: each entry once.
    const QList<QByteArray> missing = missingStreams();
    struct Pane {
        QByteArray stream;
        QString role; // "" or "start (added)" / "end (completed, failed)"
        StreamEntryList entries;
        const KeyLookupHits *hits = nullptr;
        bool endPane = false;
    };
    QList<Pane> panes;
    if (m_config.sameStream() && result.streams.size() == 1) {
        const KeyLookupHits &h = result.streams.first();
        QStringList endTypes;
        if (!m_config.completedType.isEmpty())
            endTypes << QString::fromUtf8(m_config.completedType);
        for (const QByteArray &t : m_config.failedTypes())
            endTypes << QString::fromUtf8(t);
        Pane start{
            h.stream, tr("start (%1)").arg(QString::fromUtf8(m_config.startType)), {}, &h, false};
        Pane end{h.stream,
                 endTypes.isEmpty() ? tr("end") : tr("end (%1)").arg(endTypes.join(", ")),
                 {},
                 &h,
                 true};
        for (const StreamEntry &e : h.entries) {
            const QByteArray type = e.value(m_config.typeField);
            const bool isEnd =
                type != m_config.startType
                && ((!m_config.completedType.isEmpty() && type == m_config.completedType)
                    || m_config.isFailedType(type));
            (isEnd ? end : start).entries.append(e);
        }
        panes << start << end;
    } else {
        for (const KeyLookupHits &h : result.streams)
            panes.append({h.stream, QString(), h.entries, &h, false});
    }
    for (int i = 0; i < 2; ++i) {
        Side &side = m_sides[i];
        side.hits->clear();
        side.entries.clear();
        if (i >= panes.size()) {
            side.title->clear();
            side.detail->clearEntry();
            continue;
        }
        const Pane &pane = panes.at(i);
        const KeyLookupHits &h = *pane.hits;
        side.entries = pane.entries;
        QString state;
        if (!h.error.isEmpty())
            state = toneHtml(Tone::Critical, tr("could not search (%1)").arg(h.error))
                    + (pane.entries.isEmpty()
                           ? QString()
                           : tr("; %1 from the live window")
                                 .arg(countOf(pane.entries.size(), "event", "events")));
        else if (missing.contains(pane.stream))
            state = toneHtml(Tone::Warning, tr("does not exist on this server"));
        else if (pane.entries.isEmpty())
            state = pane.endPane ? tr("no end event yet")
                    : h.cutShort ? tr("none found (search cut short)")
                                 : tr("no event");
        else
            state = countOf(pane.entries.size(), "event", "events");
        const QString name = QString::fromUtf8(pane.stream).toHtmlEscaped();
        side.title->setText(
            pane.role.isEmpty()
                ? QStringLiteral("<b>%1</b>: %2").arg(name, state)
                : QStringLiteral("<b>%1</b> %2: %3").arg(name, pane.role.toHtmlEscaped(), state));
        for (const StreamEntry &e : pane.entries)
            side.hits->addItem(QStringLiteral("%1  %2").arg(
                QString::fromLatin1(e.id.toByteArray()),
                QString::fromUtf8(m_config.typeField.isEmpty() ? QByteArray()
                                                               : e.value(m_config.typeField))));
        if (!pane.entries.isEmpty())
            side.hits->setCurrentRow(0);
        else
            side.detail->clearEntry();
    }
    Q_EMIT lookupFinished();
}

void FlowView::countHistory(int minutes) {
    const qint64 to = clock();
    const qint64 from = to - qint64(minutes) * 60000;
    const QString cannot = whyCannotAsk();
    if (!cannot.isEmpty()) {
        ++m_request;
        m_countRequest = m_request;
        setCounting(false);
        FlowHistoryResult result;
        result.config = m_config;
        result.fromMs = from;
        result.toMs = result.countedToMs = to;
        result.error = cannot;
        showHistory(result);
        return;
    }
    m_historyNote->setText(
        tr("Counting the flows from %1 to %2...").arg(formatClock(from), formatClock(to)));
    setCounting(true);
    m_countRequest = ++m_request;
    QMetaObject::invokeMethod(m_requests->worker(), "countFlows", Qt::QueuedConnection,
                              Q_ARG(int, m_countRequest), Q_ARG(streamscope::FlowConfig, m_config),
                              Q_ARG(qint64, from), Q_ARG(qint64, to));
}

void FlowView::showHistory(const FlowHistoryResult &result) {
    setCounting(false);
    m_history = result;
    const QString text = result.describe();
    m_historyNote->setText(!result.ok()        ? toneHtml(Tone::Critical, text)
                           : result.cutShort() ? toneHtml(Tone::Warning, text)
                                               : text.toHtmlEscaped());
    Q_EMIT historyCounted();
}

} // namespace streamscope
