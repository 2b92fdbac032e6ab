#include "GroupsPanel.h"

#include "ValueFormat.h"

#include "ChartTheme.h"
#include "Confirm.h"
#include "EntryDetailView.h"
#include "ExportDialog.h"
#include "GroupActions.h"
#include "GroupModels.h"
#include "Palette.h"
#include "RewindDialog.h"
#include "TopologyView.h"
#include "WarningBanner.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <QValueAxis>

namespace streamscope {

namespace {
constexpr int chartWindow = 900; // samples kept per group

QTableView *makeTable(QAbstractItemModel *model, const QString &name) {
    auto *view = new QTableView;
    view->setObjectName(name);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->setWordWrap(false);
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}

// Keeps only the streams asked for (all when none is).
class StreamFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    QSet<QByteArray> streams;
    void apply() { invalidateRowsFilter(); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override {
        return streams.isEmpty()
               || streams.contains(sourceModel()
                                       ->index(row, 0, parent)
                                       .data(GroupsModel::StreamRole)
                                       .toByteArray());
    }
};
} // namespace

GroupsPanel::GroupsPanel(QWidget *parent)
    : QWidget(parent)
    , m_groups(new GroupsModel(this))
    , m_consumers(new ConsumersModel(this))
    , m_pending(new PendingModel(this))
    , m_groupsProxy(new StreamFilter(this))
    , m_pendingProxy(new QSortFilterProxyModel(this)) {
    m_groupsProxy->setSourceModel(m_groups);
    m_groupsProxy->setSortRole(GroupsModel::SortRole);
    m_pendingProxy->setSourceModel(m_pending);
    m_pendingProxy->setSortRole(PendingModel::SortRole);

    m_groupView = makeTable(m_groupsProxy, QStringLiteral("groups"));
    m_groupView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_groupView->setSortingEnabled(true);
    m_groupView->sortByColumn(GroupsModel::StatusColumn, Qt::DescendingOrder);
    m_groupView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(m_groupView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &GroupsPanel::onGroupSelected);
    m_rewindButton = new QPushButton(tr("Rewind or skip..."));
    m_rewindButton->setObjectName(QStringLiteral("groupsRewind"));
    connect(m_rewindButton, &QPushButton::clicked, this, [this] { openRewindDialog(); });
    m_groupView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_groupView, &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        const QModelIndex index = m_groupView->indexAt(at);
        if (!index.isValid())
            return;
        m_groupView->selectRow(index.row());
        auto *menu = new QMenu(this); // popup(), not exec(): no nested event loop
        menu->setAttribute(Qt::WA_DeleteOnClose);
        QAction *rewind = menu->addAction(m_rewindButton->text());
        rewind->setEnabled(m_rewindButton->isEnabled());
        rewind->setToolTip(m_rewindButton->toolTip());
        menu->setToolTipsVisible(true);
        connect(rewind, &QAction::triggered, this, [this] { openRewindDialog(); });
        menu->popup(m_groupView->viewport()->mapToGlobal(at));
    });

    m_consumerView = makeTable(m_consumers, QStringLiteral("consumers"));

    // Pending explorer: filters and actions above, the list with the entry beside it.
    m_consumerFilter = new QComboBox;
    m_consumerFilter->setToolTip(tr("Only this consumer's pending entries"));
    m_minIdle = new QSpinBox;
    m_minIdle->setRange(0, 86400);
    m_minIdle->setSuffix(tr(" s idle"));
    m_minIdle->setToolTip(tr("Only entries idle at least this long"));
    m_ackButton = new QPushButton(tr("Acknowledge"));
    m_claimTarget = new QComboBox;
    m_claimTarget->setEditable(true);
    m_claimTarget->setToolTip(tr("Consumer that takes the selected entries"));
    m_claimButton = new QPushButton(tr("Claim to"));
    m_deadLetterButton = new QPushButton(tr("Move to dead letters..."));
    m_pendingNote = new QLabel;
    m_pendingNote->setWordWrap(true); // a long note must not widen the window's splitter
    connect(m_consumerFilter, &QComboBox::activated, this, &GroupsPanel::reloadPending);
    connect(m_minIdle, &QSpinBox::editingFinished, this, &GroupsPanel::reloadPending);
    connect(m_ackButton, &QPushButton::clicked, this, [this] { act(QStringLiteral("ack")); });
    connect(m_claimButton, &QPushButton::clicked, this, [this] { act(QStringLiteral("claim")); });
    connect(m_deadLetterButton, &QPushButton::clicked, this,
            [this] { act(QStringLiteral("dead-letter")); });

    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Consumer")));
    filters->addWidget(m_consumerFilter);
    filters->addWidget(m_minIdle);
    filters->addStretch();
    filters->addWidget(m_ackButton);
    filters->addWidget(m_claimButton);
    filters->addWidget(m_claimTarget);
    filters->addWidget(m_deadLetterButton);
    auto *exportButton = new QPushButton(tr("Export..."));
    exportButton->setToolTip(tr("Write the group's whole pending list (ID, consumer, idle time, "
                                "deliveries) to JSON Lines or CSV"));
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const GroupStatus *g = m_groups->group(m_selectedKey);
        ExportChoices choices;
        if (g) {
            choices.stream = g->stream;
            choices.group = g->name;
        }
        Q_EMIT exportRequested(choices);
    });
    filters->addWidget(exportButton);

    m_pendingView = makeTable(m_pendingProxy, QStringLiteral("pending"));
    m_pendingView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_pendingView->setSortingEnabled(true);
    // Oldest first, as the pages are read (a header's default order is descending).
    m_pendingView->sortByColumn(PendingModel::IdColumn, Qt::AscendingOrder);
    m_pendingView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_pendingView->setToolTip(tr("The group's pending entries, loaded page by page as you "
                                 "scroll. Sort by deliveries or idle time."));
    connect(m_pendingView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &GroupsPanel::onPendingSelected);
    connect(m_pending, &PendingModel::refreshed, this, &GroupsPanel::onPendingRead);
    m_pendingDetail = new EntryDetailView;
    auto *pendingSplit = new QSplitter(Qt::Horizontal);
    pendingSplit->addWidget(m_pendingView);
    pendingSplit->addWidget(m_pendingDetail);
    pendingSplit->setSizes({500, 400});
    auto *pendingPage = new QWidget;
    auto *pendingLayout = new QVBoxLayout(pendingPage);
    pendingLayout->setContentsMargins(0, 0, 0, 0);
    pendingLayout->addLayout(filters);
    pendingLayout->addWidget(pendingSplit, 1);
    pendingLayout->addWidget(m_pendingNote);

    // Chart: lag and pending of the selected group, one replace() per series per snapshot.
    m_chart = new QChart;
    followPalette(m_chart);
    m_lagSeries = new QLineSeries;
    m_lagSeries->setName(tr("lag"));
    m_pendingSeries = new QLineSeries;
    m_pendingSeries->setName(tr("pending"));
    m_chart->addSeries(m_lagSeries);
    m_chart->addSeries(m_pendingSeries);
    m_timeAxis = new QDateTimeAxis;
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    // A real range before the first show, or Qt 6.4 draws this date axis without labels.
    m_timeAxis->setRange(QDateTime::currentDateTime().addSecs(-60), QDateTime::currentDateTime());
    m_valueAxis = new QValueAxis;
    m_valueAxis->setLabelFormat(QStringLiteral("%d"));
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_valueAxis, Qt::AlignLeft);
    for (QLineSeries *s : {m_lagSeries, m_pendingSeries}) {
        s->attachAxis(m_timeAxis);
        s->attachAxis(m_valueAxis);
        connect(s, &QLineSeries::hovered, this, [this, s](const QPointF &p, bool on) {
            if (on)
                setToolTip(
                    QStringLiteral("%1 %2 at %3")
                        .arg(s->name(), formatCount(qRound64(p.y())), formatClock(qint64(p.x()))));
        });
    }
    m_chart->legend()->setAlignment(Qt::AlignTop);
    auto *chartView = new QChartView(m_chart);
    chartView->setRenderHint(QPainter::Antialiasing);

    auto *tabs = new QTabWidget;
    tabs->addTab(m_consumerView, tr("Consumers"));
    tabs->addTab(pendingPage, tr("Pending entries"));
    tabs->addTab(chartView, tr("Lag and pending"));

    auto *groupsPage = new QWidget;
    auto *groupsLayout = new QVBoxLayout(groupsPage);
    groupsLayout->setContentsMargins(0, 0, 0, 0);
    groupsLayout->addWidget(m_groupView, 1);
    auto *groupButtons = new QHBoxLayout;
    groupButtons->addStretch();
    groupButtons->addWidget(m_rewindButton);
    groupsLayout->addLayout(groupButtons);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(groupsPage);
    split->addWidget(tabs);
    split->setSizes({250, 450});
    m_pollError = new QLabel;
    m_pollError->setObjectName(QStringLiteral("groupsPollError"));
    m_pollError->setWordWrap(true);
    m_pollError->setTextFormat(Qt::PlainText);
    m_pollError->setStyleSheet(toneStyle(Tone::Critical) + QStringLiteral("; font-weight:bold"));
    m_pollError->hide();
    m_freshNote = new QLabel;
    m_freshNote->setObjectName(QStringLiteral("groupsFreshness"));
    m_freshNote->setWordWrap(true);
    m_freshNote->setTextFormat(Qt::PlainText);
    m_freshNote->hide();
    m_gone = new WarningBanner;
    m_gone->setObjectName(QStringLiteral("groupsGone"));
    m_filterNote = new QLabel;
    m_filterNote->setObjectName(QStringLiteral("groupsFilterNote"));
    auto *showAll = new QPushButton(tr("Show all"));
    showAll->setObjectName(QStringLiteral("groupsShowAll"));
    showAll->setToolTip(tr("Show the groups of every stream (clears the selection in the "
                           "stream list)"));
    connect(showAll, &QPushButton::clicked, this, &GroupsPanel::showAllRequested);
    m_filterBar = new QWidget;
    auto *filterLayout = new QHBoxLayout(m_filterBar);
    filterLayout->setContentsMargins(0, 0, 0, 0);
    filterLayout->addWidget(m_filterNote);
    filterLayout->addWidget(showAll);
    filterLayout->addStretch();
    m_filterBar->hide();
    m_missing = new WarningBanner;
    m_missing->setObjectName(QStringLiteral("groupsMissingNodes"));
    m_note = new QLabel;
    m_note->setObjectName(QStringLiteral("groupsNote"));
    m_note->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pollError);
    layout->addWidget(m_freshNote);
    layout->addWidget(m_missing);
    layout->addWidget(m_gone);
    layout->addWidget(m_filterBar);
    layout->addWidget(m_note);
    layout->addWidget(split);
    setActions(nullptr, false);
}

GroupsPanel::~GroupsPanel() = default;

void GroupsPanel::setPermissions(const Permissions &permissions) {
    m_permissions = permissions;
    updateActionButtons();
}

void GroupsPanel::updateActionButtons() {
    const std::pair<QPushButton *, QString> buttons[] = {
        {m_ackButton, forbiddenReason(m_permissions, {"XACK"})},
        {m_claimButton, forbiddenReason(m_permissions, {"XCLAIM"})},
        // Moved in one transaction (or a script): the copy and the acknowledgement.
        {m_deadLetterButton, forbiddenReason(m_permissions, {"XADD", "XACK"})}};
    for (const auto &[button, forbidden] : buttons) {
        button->setEnabled(m_actions && !m_readOnly && forbidden.isEmpty());
        button->setToolTip(m_readOnly ? tr("Read-only mode: nothing that changes data is sent")
                                      : forbidden);
    }
    // The dialog previews in read-only mode too; its apply button is what read-only disables.
    const QString rewindForbidden = forbiddenReason(m_permissions, {"XGROUP", "EVAL"});
    m_rewindButton->setEnabled(m_actions && !m_selectedKey.isEmpty() && !m_readOnly
                               && rewindForbidden.isEmpty());
    m_rewindButton->setToolTip(
        m_readOnly ? tr("Read-only mode: rewinding or skipping a group changes it (XGROUP SETID), "
                        "so it is not offered. Turn read-only mode off to do this.")
        : !rewindForbidden.isEmpty() ? rewindForbidden
        : m_selectedKey.isEmpty()    ? tr("Select a group first")
                                     : tr("Make the group receive entries again from a time, an "
                                             "entry or the start, or skip to the end, with a "
                                             "preview"));
    if (m_rewindDialog)
        m_rewindDialog->setReadOnly(m_readOnly || !m_actions);
}

RewindDialog *GroupsPanel::rewindDialog() const {
    return m_rewindDialog.data();
}

RewindDialog *GroupsPanel::openRewindDialog() {
    const GroupStatus *g = m_groups->group(m_selectedKey);
    if (!g || !m_actions)
        return nullptr;
    if (m_rewindDialog)
        m_rewindDialog->close(); // one at a time: the figures it shows are of one group
    auto *dialog = new RewindDialog(m_actions, g->stream, g->name, m_readOnly, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RewindDialog::applied, this, [this](bool ok, const QString &message) {
        Q_EMIT actionMessage(message, ok);
        if (ok) { // the group's figures changed: poll now, and read its pending list again
            Q_EMIT pollRequested();
            reloadPending();
        }
    });
    m_rewindDialog = dialog;
    dialog->show();
    return dialog;
}

void GroupsPanel::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    updateActionButtons(); // in place: the lists stay as they are
}

void GroupsPanel::setFreshness(const Freshness &freshness) {
    m_freshness = freshness;
    const bool greyed = !freshness.isCurrent();
    m_groups->setGreyed(greyed);
    m_consumers->setGreyed(greyed);
    m_pending->setGreyed(greyed);
    m_freshNote->setText(freshness.describe());
    m_freshNote->setStyleSheet(toneStyle(Tone::Muted));
    m_freshNote->setVisible(greyed && !freshness.describe().isEmpty());
    for (QLineSeries *series : {m_lagSeries, m_pendingSeries}) {
        QPen pen = series->pen();
        pen.setStyle(greyed ? Qt::DashLine : Qt::SolidLine);
        series->setPen(pen);
    }
}

QString GroupsPanel::freshnessNote() const {
    return m_freshNote->isVisibleTo(this) ? m_freshNote->text() : QString();
}

void GroupsPanel::setActions(GroupActions *actions, bool readOnly) {
    m_readOnly = readOnly;
    if (actions == m_actions) {
        updateActionButtons();
        return;
    }
    if (m_actions) { // nothing more is asked of, or taken from, the old connection
        disconnect(m_pending, nullptr, m_actions->worker(), nullptr);
        disconnect(m_actions->worker(), nullptr, this, nullptr);
    }
    if (m_rewindDialog) // its preview and its apply belong to the old connection
        m_rewindDialog->close();
    m_actions = actions;
    updateActionButtons();
    if (!actions)
        return;
    connect(m_pending, &PendingModel::pageWanted, actions->worker(),
            &GroupActionsWorker::fetchPendingPage);
    connect(actions->worker(), &GroupActionsWorker::pendingPage, this,
            [this](int request, const PendingEntryList &page, const QString &error) {
                if (!m_pending->addPage(request, page, error))
                    return;
                m_pendingError = error;
                if (error.isEmpty())
                    return;
                // The server says the group is no more: that is what the pane says.
                if (error.contains(QLatin1String("NOGROUP"))) {
                    markGone(m_selectedKey,
                             tr("The group %1 of %2 no longer exists (destroyed, or its "
                                "stream deleted): %3")
                                 .arg(QString::fromUtf8(m_shownGroup),
                                      QString::fromUtf8(m_shownStream), error));
                    return askWhichWentAway(); // the server says which (streamChecked)
                }
                // Said where the list is; the rows stay as last read, and the next poll of the
                // group asks once more (not at once: it would only be refused again).
                m_pendingNote->setText(tr("The pending entries could not be read: %1").arg(error));
            });
    connect(actions->worker(), &GroupActionsWorker::entry, this,
            [this](const QByteArray &, const QByteArray &id, const StreamEntryList &found,
                   const QString &error) {
                if (!m_detailId || m_detailId->toByteArray() != id)
                    return; // another entry is shown now, or none
                if (!error.isEmpty())
                    m_pendingDetail->setPlainText(
                        tr("Entry %1 could not be read: %2").arg(QString::fromUtf8(id), error));
                else if (!found.isEmpty())
                    m_pendingDetail->showEntry(found.first());
                else
                    m_pendingDetail->setPlainText(
                        tr("Entry %1 no longer exists in the stream (trimmed or deleted).")
                            .arg(QString::fromUtf8(id)));
            });
    connect(actions->worker(), &GroupActionsWorker::actionFinished, this,
            [this](bool ok, const QString &message) {
                Q_EMIT actionMessage(message, ok);
                reloadPending();
            });
    connect(actions->worker(), &GroupActionsWorker::streamChecked, this,
            [this](const QByteArray &stream, const QByteArray &type, const QString &error) {
                if (m_goneKey.isEmpty() || stream != m_shownStream || !error.isEmpty())
                    return; // nothing to refine (or the server could not say: the note stays)
                const QString group = QString::fromUtf8(m_shownGroup);
                const QString name = QString::fromUtf8(stream);
                QString why;
                if (type == "stream")
                    why = tr("The group %1 of %2 no longer exists: it was destroyed (XGROUP "
                             "DESTROY) while shown; the stream is still there. Its consumers "
                             "and pending entries are gone.")
                              .arg(group, name);
                else if (type == "none")
                    why = tr("The group %1 of %2 no longer exists: its stream was deleted while "
                             "shown. Its consumers and pending entries are gone.")
                              .arg(group, name);
                else
                    why = tr("The group %1 of %2 no longer exists: the key %2 now holds a %3, "
                             "not a stream.")
                              .arg(group, name, QString::fromUtf8(type));
                m_gone->setText(why);
                m_pendingNote->setText(why);
            });
    reloadPending(); // a new connection: what was asked of the old one is not waited for
}

void GroupsPanel::setStreamFilter(const QSet<QByteArray> &streams) {
    auto *filter = static_cast<StreamFilter *>(m_groupsProxy);
    filter->streams = streams;
    filter->apply();
    m_filterNote->setText(streams.isEmpty() ? QString()
                                            : tr("Showing groups of %1")
                                                  .arg(countOf(streams.size(), "selected stream",
                                                               "selected streams")));
    m_filterBar->setVisible(!streams.isEmpty());
    // A selected row filtered out leaves the selection without a selectionChanged: follow the
    // table here, so that the consumers and pending panes never show a group it does not show
    // (the issue 10 review saw another stream's consumers, their idle times ticking).
    for (int row = 0; row < m_groupsProxy->rowCount(); ++row)
        if (m_groupsProxy->index(row, 0).data(GroupsModel::KeyRole).toByteArray() == m_selectedKey)
            return;
    m_groupView->clearSelection();
    if (m_groupsProxy->rowCount() > 0)
        m_groupView->selectRow(0); // the worst group of those shown, as after a poll
    if (!m_selectedKey.isEmpty() && m_groupView->selectionModel()->selectedRows().isEmpty())
        onGroupSelected();
}

void GroupsPanel::selectGroup(const QByteArray &stream, const QByteArray &group) {
    const QByteArray key = groupKey(stream, group);
    for (int row = 0; row < m_groupsProxy->rowCount(); ++row)
        if (m_groupsProxy->index(row, 0).data(GroupsModel::KeyRole).toByteArray() == key)
            m_groupView->selectRow(row);
}

void GroupsPanel::selectConsumer(const QByteArray &stream, const QByteArray &group,
                                 const QByteArray &consumer) {
    selectGroup(stream, group);
    const QAbstractItemModel *model = m_consumerView->model();
    const QString name = valueformat::singleLine(consumer, 80); // as the model shows it
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->index(row, 0).data().toString() == name) {
            m_consumerView->selectRow(row);
            return;
        }
}

QString GroupsPanel::streamFilterNote() const {
    return m_filterNote->text();
}

QString GroupsPanel::pendingNote() const {
    return m_pendingNote->text();
}

QString GroupsPanel::goneNote() const {
    return m_gone->text();
}

void GroupsPanel::showPollError(const QString &message) {
    if (message.isEmpty()) {
        m_pollError->hide();
        m_pollError->clear();
        return;
    }
    m_pollError->setText(
        tr("Consumer groups are not current: the last poll failed: %1").arg(message));
    m_pollError->show();
}

void GroupsPanel::setUnreadableStreams(const QList<QByteArray> &streams) {
    m_unreadable = streams;
}

void GroupsPanel::showMissingNodes(const MissingNodeList &missing) {
    QStringList reasons;
    for (const MissingNode &m : missing)
        reasons << QStringLiteral("%1: %2").arg(m.endpoint, m.reason);
    m_missing->setText(
        missingNodesText(missing, tr("the groups of the streams there are not shown")),
        reasons.join(QLatin1Char('\n')));
    m_partial = !missing.isEmpty();
}

QString GroupsPanel::missingNodes() const {
    return m_missing->text();
}

QString GroupsPanel::pollError() const {
    return m_pollError->text();
}

void GroupsPanel::showSnapshot(const GroupSnapshot &snapshot) {
    // The group to keep showing: the selected one, or one that went away and may come back.
    const QByteArray keep = m_selectedKey.isEmpty() ? m_goneKey : m_selectedKey;
    m_note->setText(
        snapshot.quietIntervalMs > 0
            ? tr("%1 with groups, %2 (%3 this time). Streams where nothing changes are polled "
                 "every %4 (sooner when a consumer is about to cross the idle threshold): "
                 "their figures are as of that poll.")
                  .arg(countOf(snapshot.streams.size(), "stream", "streams"),
                       m_partial ? tr("every group of the nodes that answer polled (not all: "
                                      "see above)")
                                 : tr("every group polled"),
                       formatCount(snapshot.polledNow), formatDuration(snapshot.quietIntervalMs))
            : QString());
    if (!m_unreadable.isEmpty()) {
        QStringList names;
        for (const QByteArray &name : m_unreadable.mid(0, 5))
            names << valueformat::singleLine(name, 40);
        m_note->setText(tr("Not all groups: %1 the user may not read (%2%3) are not examined. ")
                            .arg(countOf(m_unreadable.size(), "stream", "streams"),
                                 names.join(QStringLiteral(", ")),
                                 m_unreadable.size() > 5 ? QStringLiteral(", ...") : QString())
                        + m_note->text());
    }
    if (snapshot.streamLimit > 0)
        m_note->setText(tr("More streams match than the %1 watched: the groups of the others are "
                           "not shown. ")
                            .arg(formatCount(snapshot.streamLimit))
                        + m_note->text());
    m_note->setVisible(!m_note->text().isEmpty());
    m_groups->setSnapshot(snapshot);
    for (const StreamStatus &s : snapshot.streams)
        for (const GroupStatus &g : s.groups) {
            const QByteArray key = groupKey(s.info.name, g.name);
            QList<QPointF> &lag = m_lagHistory[key];
            QList<QPointF> &pending = m_pendingHistory[key];
            lag.append({double(snapshot.atMs), double(g.lag.value_or(0))});
            pending.append({double(snapshot.atMs), double(g.pending)});
            if (lag.size() > chartWindow)
                lag.removeFirst();
            if (pending.size() > chartWindow)
                pending.removeFirst();
        }
    if (!keep.isEmpty()) {
        if (const GroupStatus *g = m_groups->group(keep)) {
            // Still there (or back): selected, whether a reset of the table lost the selection or
            // the group came back after it went away.
            const bool shown =
                m_groupView->selectionModel()->selectedRows().size() == 1 && m_selectedKey == keep;
            if (!shown)
                selectGroup(g->stream, g->name);
        } else if (m_goneKey != keep) {
            markGone(keep, goneReason(snapshot));
            bool polled = false; // the stream is in the snapshot: the group alone went
            for (const StreamStatus &s : snapshot.streams)
                polled = polled || s.info.name == m_shownStream;
            if (!polled && !m_partial && snapshot.streamLimit == 0)
                askWhichWentAway();
        }
    }
    if (m_selectedKey.isEmpty() && m_goneKey.isEmpty() && m_groupsProxy->rowCount() > 0)
        m_groupView->selectRow(0); // the worst group first (sorted by status)
    if (const GroupStatus *g = m_groups->group(m_selectedKey)) {
        m_consumers->setConsumers(g->consumerList);
        updateConsumerChoices();
        // A read refused is said until one succeeds (each poll asks once more).
        m_pendingNote->setText(
            !m_pendingError.isEmpty()
                ? tr("The pending entries could not be read: %1").arg(m_pendingError)
                : tr("%1 in the group at the last poll. The list is read again at each poll of "
                     "the group (the page shown), and page by page as you scroll.")
                      .arg(countOf(g->pending, "pending entry", "pending entries")));
        // Follow the group's own polls: a quiet stream's figures (and so its row) are as of its
        // last poll, and the list agrees with the row.
        qint64 polledAt = snapshot.atMs;
        for (const StreamStatus &s : snapshot.streams)
            if (s.info.name == g->stream && s.sampledAtMs > 0)
                polledAt = s.sampledAtMs;
        if (m_actions && polledAt != m_polledAtMs) {
            m_polledAtMs = polledAt;
            m_pending->refresh(firstVisiblePendingRow()); // skipped while a read is out
        }
    }
    updateChart();
}

// Why the group with key, shown until now, is not in this snapshot.
QString GroupsPanel::goneReason(const GroupSnapshot &snapshot) const {
    const QString group = QString::fromUtf8(m_shownGroup);
    const QString stream = QString::fromUtf8(m_shownStream);
    for (const StreamStatus &s : snapshot.streams)
        if (s.info.name == m_shownStream)
            return tr("The group %1 of %2 no longer exists: it was destroyed (XGROUP DESTROY) "
                      "while shown. Its consumers and pending entries are gone.")
                .arg(group, stream);
    if (m_partial)
        return tr("The group %1 of %2 is not in the last poll: its stream was deleted, or is on a "
                  "node that does not answer (see above).")
            .arg(group, stream);
    if (snapshot.streamLimit > 0)
        return tr("The group %1 of %2 is not in the last poll: its stream was deleted, or is no "
                  "longer among the streams watched.")
            .arg(group, stream);
    // A stream left without groups is not in a snapshot either: the server is asked which it
    // was (streamChecked), and until it answers the note says both.
    return tr("The group %1 of %2 no longer exists: it was destroyed, or its stream deleted, "
              "while shown. Its consumers and pending entries are gone.")
        .arg(group, stream);
}

// Another connection (or none): nothing of the last one stays, and nothing of it "went away".
void GroupsPanel::reset() {
    m_goneKey.clear();
    m_gone->setText({});
    m_pendingError.clear();
    m_lagHistory.clear();
    m_pendingHistory.clear();
    markGone("-", {}); // empties the panes and the selection
    m_goneKey.clear();
    m_gone->setText({});
    m_pendingNote->setText({});
    m_shownStream.clear();
    showSnapshot(GroupSnapshot());
}

// The selected group went away: the panel says so, instead of empty lists that look current,
// and shows no other group in its place until the user picks one (or it comes back).
// The group shown went away: the server is asked whether its stream is still there (TYPE),
// and streamChecked refines the note.
void GroupsPanel::askWhichWentAway() {
    if (!m_actions || m_goneKey.isEmpty())
        return;
    GroupActionsWorker *w = m_actions->worker();
    QMetaObject::invokeMethod(
        w, [w, stream = m_shownStream] { w->checkStream(stream); }, Qt::QueuedConnection);
}

void GroupsPanel::markGone(const QByteArray &key, const QString &why) {
    if (key.isEmpty())
        return;
    m_goneKey = key;
    m_gone->setText(why);
    if (!m_groupView->selectionModel()->selectedRows().isEmpty())
        m_groupView->clearSelection(); // onGroupSelected: the panes empty
    m_selectedKey.clear();
    m_consumers->setConsumers({});
    m_consumerFilter->clear(); // its consumers are gone with it
    m_claimTarget->clear();
    updateConsumerChoices();
    m_pending->reset({}, {}, {}, 0);
    m_detailId.reset();
    m_pendingDetail->clearEntry();
    m_pendingNote->setText(why);
    updateChart();
}

void GroupsPanel::updateChart() {
    const QList<QPointF> lag = m_lagHistory.value(m_selectedKey);
    const QList<QPointF> pending = m_pendingHistory.value(m_selectedKey);
    m_lagSeries->replace(lag);
    m_pendingSeries->replace(pending);
    if (lag.isEmpty())
        return;
    double top = 1;
    for (const QList<QPointF> *points : {&lag, &pending})
        for (const QPointF &p : *points)
            top = qMax(top, p.y());
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(qint64(lag.first().x())),
                         QDateTime::fromMSecsSinceEpoch(qint64(lag.last().x()) + 1000));
    m_valueAxis->setRange(0, top * 1.1);
    m_chart->setTitle(QString::fromUtf8(
        m_groups->group(m_selectedKey) ? m_groups->group(m_selectedKey)->name : QByteArray()));
}

void GroupsPanel::onGroupSelected() {
    const QModelIndexList rows = m_groupView->selectionModel()->selectedRows();
    if (rows.isEmpty() && !m_goneKey.isEmpty())
        return; // markGone cleared it: the panes say why
    m_selectedKey =
        rows.isEmpty() ? QByteArray() : rows.first().data(GroupsModel::KeyRole).toByteArray();
    const GroupStatus *g = m_groups->group(m_selectedKey);
    if (g) { // a group chosen (or back): what went away before is no longer the subject
        m_goneKey.clear();
        m_gone->setText({});
    }
    if (g) { // kept when the selection goes: the names say which group went away
        m_shownStream = g->stream;
        m_shownGroup = g->name;
    }
    m_polledAtMs = 0;
    m_pendingError.clear();
    m_keepSelected.clear();
    m_consumers->setConsumers(g ? g->consumerList : QList<ConsumerStatus>());
    m_consumerFilter->clear();
    m_claimTarget->clear();
    updateConsumerChoices();
    m_detailId.reset();
    m_pendingDetail->clearEntry();
    reloadPending();
    updateChart();
    updateActionButtons(); // "Rewind or skip..." follows the selection
}

void GroupsPanel::reloadPending() {
    const GroupStatus *g = m_groups->group(m_selectedKey);
    if (!g || !m_actions) {
        m_pending->reset({}, {}, {}, 0);
        if (m_goneKey.isEmpty())
            m_pendingNote->clear();
        return;
    }
    if (!m_pending->stream().isEmpty()) // the same group read again: its selection stays
        m_keepSelected = selectedPendingIds();
    const QByteArray consumer = m_consumerFilter->currentIndex() > 0
                                    ? m_consumerFilter->currentText().toUtf8()
                                    : QByteArray();
    m_pending->reset(g->stream, g->name, consumer, qint64(m_minIdle->value()) * 1000);
    m_pendingNote->setText(tr("%1 in the group at the last poll; read page by page as you scroll.")
                               .arg(countOf(g->pending, "pending entry", "pending entries")));
}

// The consumer filter and the claim target offer the group's consumers as of the last poll (a
// consumer that appears after the group was selected too); what is chosen or typed stays.
void GroupsPanel::updateConsumerChoices() {
    QStringList names = m_consumers->names();
    QStringList offered;
    for (int i = 1; i < m_consumerFilter->count(); ++i)
        offered << m_consumerFilter->itemText(i);
    const bool filtered = m_consumerFilter->currentIndex() > 0;
    const QString chosen = m_consumerFilter->currentText();
    if (filtered && !names.contains(chosen))
        names << chosen; // a filter on a consumer gone since stays as chosen
    if (m_consumerFilter->count() > 0 && offered == names)
        return;
    const QString typed = m_claimTarget->currentText();
    const QSignalBlocker quiet(m_consumerFilter);
    m_consumerFilter->clear();
    m_consumerFilter->addItem(tr("all consumers"));
    m_consumerFilter->addItems(names);
    m_consumerFilter->setCurrentIndex(filtered ? int(names.indexOf(chosen)) + 1 : 0);
    m_claimTarget->clear();
    m_claimTarget->addItems(m_consumers->names());
    if (!typed.isEmpty())
        m_claimTarget->setEditText(typed);
}

// The first row (of the model) the view shows: the page that holds it is the one read again.
int GroupsPanel::firstVisiblePendingRow() const {
    const int top = m_pendingView->rowAt(0);
    if (top < 0)
        return 0;
    int bottom = m_pendingView->rowAt(m_pendingView->viewport()->height() - 1);
    if (bottom < 0)
        bottom = m_pendingProxy->rowCount() - 1;
    int first = m_pending->rowCount();
    for (int row = top; row <= bottom && row - top < 1000; ++row)
        first = qMin(first, m_pendingProxy->mapToSource(m_pendingProxy->index(row, 0)).row());
    return first >= m_pending->rowCount() ? 0 : first;
}

// The list was read (a refresh, or the first page after a reload): an entry shown in details
// that is no longer pending leaves it, and a selection made before a reload comes back.
void GroupsPanel::onPendingRead() {
    if (m_detailId && m_pending->rowOf(*m_detailId) < 0) {
        const bool known =
            m_pending->atEnd()
            || (!m_pending->rows().isEmpty() && *m_detailId <= m_pending->rows().last().id);
        if (known) {
            m_pendingDetail->clearEntry();
            m_pendingDetail->setPlainText(
                tr("Entry %1 left the pending list (acknowledged, claimed, or no longer matching "
                   "the filter).")
                    .arg(m_detailId->toString()));
            m_detailId.reset();
        }
    }
    if (m_keepSelected.isEmpty())
        return;
    const QList<QByteArray> wanted = std::exchange(m_keepSelected, {});
    QItemSelection selection;
    for (const QByteArray &id : wanted) {
        const int row = m_pending->rowOf(StreamId::fromServer(id));
        if (row >= 0) {
            const QModelIndex at = m_pendingProxy->mapFromSource(m_pending->index(row, 0));
            selection.select(at, at);
        }
    }
    if (!selection.isEmpty())
        m_pendingView->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect
                                                               | QItemSelectionModel::Rows);
}

void GroupsPanel::onPendingSelected() {
    const QModelIndexList rows = m_pendingView->selectionModel()->selectedRows();
    if (rows.size() != 1 || !m_actions)
        return;
    const PendingEntry &p = m_pending->entry(m_pendingProxy->mapToSource(rows.first()).row());
    if (m_detailId && *m_detailId == p.id)
        return; // the same entry, still pending: its body is shown already
    m_detailId = p.id;
    QMetaObject::invokeMethod(m_actions->worker(), "fetchEntry", Qt::QueuedConnection,
                              Q_ARG(QByteArray, m_pending->stream()),
                              Q_ARG(QByteArray, p.id.toByteArray()));
}

QList<QByteArray> GroupsPanel::selectedPendingIds() const {
    QList<QByteArray> ids;
    for (const QModelIndex &row : m_pendingView->selectionModel()->selectedRows())
        ids.append(m_pending->entry(m_pendingProxy->mapToSource(row).row()).id.toByteArray());
    return ids;
}

void GroupsPanel::act(const QString &verb) {
    const QModelIndexList rows = m_pendingView->selectionModel()->selectedRows();
    if (rows.isEmpty() || !m_actions || m_readOnly) {
        if (rows.isEmpty())
            Q_EMIT actionMessage(tr("Select pending entries first."), false);
        return;
    }
    // The entries as shown now (idle time ticked to now): to say where one that is no longer
    // pending was last delivered.
    QList<QByteArray> ids;
    QList<PendingRow> shown; // copied: a refresh while the box is open may take the rows away
    for (const QModelIndex &index : rows) {
        shown.append(m_pending->entry(m_pendingProxy->mapToSource(index).row()));
        ids.append(shown.last().id.toByteArray());
    }
    const QString group = QString::fromUtf8(m_pending->group());
    const QString stream = QString::fromUtf8(m_pending->stream());
    const QByteArray target = m_claimTarget->currentText().toUtf8();
    const QString entries = countOf(ids.size(), "entry", "entries");
    const QString pendingEntries = countOf(ids.size(), "pending entry", "pending entries");
    QString question, title, label;
    bool destructive = true;
    if (verb == QLatin1String("ack")) {
        title = tr("Acknowledge pending entries");
        question = tr("Acknowledge %1 of group %2 on %3?").arg(entries, group, stream);
        label = tr("Acknowledge %1").arg(entries);
    } else if (verb == QLatin1String("claim")) {
        if (target.isEmpty())
            return Q_EMIT actionMessage(tr("Name the consumer that takes the entries."), false);
        title = tr("Claim pending entries");
        question = tr("Give %1 of group %2 on %3 to consumer %4?")
                       .arg(pendingEntries, group, stream, QString::fromUtf8(target));
        label = tr("Give %1 to %2").arg(entries, QString::fromUtf8(target));
        destructive = false;
    } else {
        title = tr("Move to the dead-letter stream");
        question = tr("Move %1 of group %2 on %3 to %3:dlq and acknowledge %4?")
                       .arg(entries, group, stream, ids.size() == 1 ? tr("it") : tr("them"));
        label = tr("Move %1 to %2:dlq").arg(entries, stream);
    }
    const bool yes =
        confirm ? confirm(question) : confirmAction(this, title, question, label, destructive);
    if (!yes || !m_actions)
        return;
    PendingEntryList asShown; // idle times as of now, when the action goes out
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const PendingRow &p : std::as_const(shown)) {
        asShown.append(p);
        asShown.last().idleMs = p.idleMs + qMax<qint64>(0, now - p.readAtMs);
    }
    GroupActionsWorker *w = m_actions->worker();
    const QByteArray s = m_pending->stream(), g = m_pending->group();
    if (verb == QLatin1String("ack"))
        QMetaObject::invokeMethod(
            w, [w, s, g, ids, asShown] { w->ack(s, g, ids, asShown); }, Qt::QueuedConnection);
    else if (verb == QLatin1String("claim"))
        QMetaObject::invokeMethod(
            w, [w, s, g, target, ids, asShown] { w->claim(s, g, target, ids, asShown); },
            Qt::QueuedConnection);
    else
        QMetaObject::invokeMethod(
            w, [w, s, g, ids] { w->deadLetter(s, g, ids); }, Qt::QueuedConnection);
}

} // namespace streamscope
