#include "MainWindow.h"

#include "ReplicaRole.h"

#include "ChartsView.h"
#include "ConnectionProblem.h"
#include "EntryDetailView.h"
#include "ExportDialog.h"
#include "FlowView.h"
#include "GroupActions.h"
#include "GroupModels.h"
#include "GroupsPanel.h"
#include "LiveEventModel.h"
#include "PublishView.h"
#include "RedisConnection.h"
#include "SshTunnel.h"
#include "StreamBrowser.h"
#include "StreamBrowserModel.h"
#include "StreamListModel.h"
#include "TopologyView.h"
#include "ValueFormat.h"
#include "WarningBanner.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace streamscope {

// Shows the events of the selected streams (all when none is selected).
class StreamFilterProxy : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setStreams(QSet<QByteArray> streams) {
        if (streams == m_streams)
            return;
        m_streams = std::move(streams);
        invalidateRowsFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override {
        if (m_streams.isEmpty())
            return true;
        const auto *events = static_cast<const LiveEventModel *>(sourceModel());
        return m_streams.contains(events->entry(row).stream);
    }

private:
    QSet<QByteArray> m_streams;
};

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_events(new LiveEventModel(this))
    , m_streams(new StreamListModel(this))
    , m_filter(new StreamFilterProxy(this)) {
    registerCoreMetaTypes();
    trustHostKey = [](const ConnectionSettings::Ssh &ssh, const QString &fingerprint) {
        return trustSshHostKey(ssh, fingerprint);
    };
    m_filter->setSourceModel(m_events);
    buildUi();
    setWindowTitle(tr("StreamScope"));
    resize(1280, 780);
}

MainWindow::~MainWindow() {
    // Closing may wait for the pollers and the tail: they leave a command within one socket
    // slice (their cancel flags), and nothing must run on after the application.
    m_poller.reset();
    m_tail.reset();
    disconnectFromServer();
}

void MainWindow::buildUi() {
    auto *bar = addToolBar(tr("Connection"));
    bar->setObjectName(QStringLiteral("connectionBar"));
    bar->setMovable(false);
    m_tagLabel = new QLabel(bar);
    m_tagLabel->setMinimumWidth(6);
    bar->addWidget(m_tagLabel);
    m_savedBox = new QComboBox(bar);
    m_savedBox->setObjectName(QStringLiteral("savedConnections"));
    m_savedBox->setToolTip(tr("Saved connections: choose one to connect"));
    m_savedBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(m_savedBox);
    connect(m_savedBox, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            connectSaved(m_savedBox->itemData(index).toString());
    });
    reloadSavedConnections();
    bar->addWidget(new QLabel(tr(" Server "), bar));
    m_urlEdit = new QLineEdit(QString::fromLatin1(ConnectionSettings::defaultUrl), bar);
    m_urlEdit->setPlaceholderText(QStringLiteral("redis://[user:password@]host:port[/db]"));
    m_urlEdit->setToolTip(tr("redis://, rediss:// (TLS), unix:// or redis+sentinel:// URL, with "
                             "?cacert=, cert=, key=, ssh=... (Connection... edits them). The "
                             "password may also come from REDISCLI_AUTH."));
    m_urlEdit->setMinimumWidth(360);
    bar->addWidget(m_urlEdit);
    // Everything the URL field cannot say comfortably (TLS files, sentinels, an SSH tunnel, the
    // keychain's secrets), and saving: the connection dialog.
    auto *dialogAction = bar->addAction(tr("Connection..."));
    dialogAction->setObjectName(QStringLiteral("connectionDialogAction"));
    dialogAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    dialogAction->setToolTip(tr("Edit the connection: server, TLS, Sentinel, SSH tunnel; connect "
                                "or save it (passwords go to the system keychain) (%1)")
                                 .arg(dialogAction->shortcut().toString(QKeySequence::NativeText)));
    connect(dialogAction, &QAction::triggered, this, [this] { openConnectionDialog(); });
    m_connectButton = new QPushButton(tr("Connect"), bar);
    bar->addWidget(m_connectButton);
    m_stateLabel = new QLabel(bar);
    m_stateLabel->setContentsMargins(12, 0, 0, 0);
    bar->addWidget(m_stateLabel);
    connect(m_connectButton, &QPushButton::clicked, this, &MainWindow::onConnectClicked);
    connect(m_urlEdit, &QLineEdit::returnPressed, this, &MainWindow::onConnectClicked);

    m_readOnlyAction = bar->addAction(tr("Read-only"));
    m_readOnlyAction->setCheckable(true);
    m_readOnlyAction->setToolTip(tr("Read-only mode: StreamScope sends nothing that changes data "
                                    "(enforced for every command, whatever the view)"));
    connect(m_readOnlyAction, &QAction::toggled, this, &MainWindow::setReadOnly);
    m_readOnlyLabel = new QLabel(bar);
    m_readOnlyLabel->setContentsMargins(8, 0, 0, 0);
    bar->addWidget(m_readOnlyLabel);

    auto *focusUrl = new QAction(tr("Connect to..."), this);
    focusUrl->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(focusUrl, &QAction::triggered, this, [this] {
        m_urlEdit->setFocus();
        m_urlEdit->selectAll();
    });
    addAction(focusUrl);
    auto *quit = new QAction(tr("Quit"), this);
    quit->setShortcut(QKeySequence::Quit); // Ctrl+Q: closes the window, saving its layout
    connect(quit, &QAction::triggered, this, &QWidget::close);
    addAction(quit);
    auto *refresh = new QAction(tr("Refresh"), this);
    refresh->setShortcut(QKeySequence::Refresh); // F5
    refresh->setToolTip(tr("Poll streams and groups now, and reload the open views"));
    connect(refresh, &QAction::triggered, this, &MainWindow::refresh);
    addAction(refresh);

    m_streamView = new QTableView;
    m_streamView->setObjectName(QStringLiteral("streamList"));
    m_streamView->setModel(m_streams);
    m_streamView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_streamView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_streamView->verticalHeader()->hide();
    m_streamView->setWordWrap(false);
    m_streamView->verticalHeader()->setDefaultSectionSize(m_streamView->fontMetrics().height() + 6);
    m_streamView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_streamView->horizontalHeader()->setSectionResizeMode(StreamListModel::NameColumn,
                                                           QHeaderView::Stretch);
    m_streamView->setColumnHidden(StreamListModel::LastIdColumn, true); // in the tooltip
    showClusterColumns(false);
    m_streamView->setToolTip(tr("Select streams to show only their events (none: all); "
                                "double-click one to browse its history"));
    connect(m_streamView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onStreamSelectionChanged);

    m_eventView = new QTableView;
    m_eventView->setObjectName(QStringLiteral("liveEvents"));
    m_eventView->setModel(m_filter);
    m_eventView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_eventView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_eventView->verticalHeader()->hide();
    m_eventView->verticalHeader()->setDefaultSectionSize(m_eventView->fontMetrics().height() + 6);
    m_eventView->setWordWrap(false);
    m_eventView->horizontalHeader()->setStretchLastSection(true);
    m_eventView->setColumnWidth(LiveEventModel::TimeColumn, 110);
    m_eventView->setColumnWidth(LiveEventModel::StreamColumn, 150);
    m_eventView->setColumnWidth(LiveEventModel::IdColumn, 170);
    connect(m_eventView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onEventSelectionChanged);
    // Follow the tail only while the user is at the bottom: scrolling up stops it.
    QScrollBar *scroll = m_eventView->verticalScrollBar();
    connect(scroll, &QScrollBar::valueChanged, this,
            [this, scroll](int value) { m_followTail = value >= scroll->maximum(); });
    connect(scroll, &QScrollBar::rangeChanged, this, [this, scroll](int, int max) {
        if (m_followTail)
            scroll->setValue(max);
    });

    m_detail = new EntryDetailView;
    m_detail->setObjectName(QStringLiteral("entryDetail"));

    auto *right = new QSplitter(Qt::Vertical);
    right->setObjectName(QStringLiteral("liveSplitter"));
    m_liveSplitter = right;
    // Entries shown that a failover lost stay said above the live table (see streamReset).
    m_lossBanner = new WarningBanner;
    m_lossBanner->setObjectName(QStringLiteral("liveEventsLost"));
    auto *live = new QWidget;
    auto *liveLayout = new QVBoxLayout(live);
    liveLayout->setContentsMargins(0, 0, 0, 0);
    liveLayout->setSpacing(0);
    liveLayout->addWidget(m_lossBanner);
    liveLayout->addWidget(m_eventView);
    right->addWidget(live);
    right->addWidget(m_detail);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 1);

    m_groupsPanel = new GroupsPanel;
    connect(m_groupsPanel, &GroupsPanel::actionMessage, this,
            [this](const QString &message, bool) { statusBar()->showMessage(message, 10000); });
    m_findings = new FindingsModel(this);
    auto *findingsView = new QTableView;
    findingsView->setObjectName(QStringLiteral("findings"));
    findingsView->setModel(m_findings);
    findingsView->verticalHeader()->hide();
    findingsView->setWordWrap(false);
    findingsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    findingsView->horizontalHeader()->setStretchLastSection(true);
    findingsView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    findingsView->horizontalHeader()->setSectionResizeMode(FindingsModel::MessageColumn,
                                                           QHeaderView::Stretch);
    // Double-click a finding: show its group.
    connect(findingsView, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const Finding &f = m_findings->finding(index.row());
        m_tabs->setCurrentWidget(m_groupsPanel);
        m_groupsPanel->selectGroup(f.stream, f.group);
    });

    m_flow = new FlowView;
    m_flow->setObjectName(QStringLiteral("flowView"));
    m_flow->searchLive = [this](const QByteArray &field, const QByteArray &value) {
        StreamEntryList found;
        for (int row = 0; row < m_events->rowCount(); ++row)
            if (m_events->entry(row).value(field) == value)
                found.append(m_events->entry(row));
        return found;
    };
    m_tabs = new QTabWidget;
    m_tabs->addTab(right, tr("Live events"));
    m_tabs->addTab(m_flow, tr("Event flow"));
    m_tabs->addTab(m_groupsPanel, tr("Consumer groups"));
    m_findingsTab = m_tabs->addTab(findingsView, tr("Findings"));
    m_browser = new StreamBrowser;
    m_tabs->addTab(m_browser, tr("Browse"));
    m_charts = new ChartsView;
    m_tabs->addTab(m_charts, tr("Charts"));
    m_publish = new PublishView;
    m_tabs->addTab(m_publish, tr("Publish"));
    m_topology = new TopologyView;
    m_topology->setObjectName(QStringLiteral("topologyView"));
    m_tabs->addTab(m_topology, tr("Topology"));
    // View menu: every tab by Ctrl+1..9, in tabNames() order.
    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        QAction *show = viewMenu->addAction(m_tabs->tabText(i).remove(QLatin1Char('&')));
        show->setObjectName(QStringLiteral("show-") + tabNames().value(i));
        if (i < 9)
            show->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(show, &QAction::triggered, this, [this, i] { m_tabs->setCurrentIndex(i); });
    }
    connect(m_browser, &StreamBrowser::publishRequested, this, [this](const StreamEntry &entry) {
        m_publish->loadEntry(entry);
        m_tabs->setCurrentWidget(m_publish);
    });
    connect(m_browser, &StreamBrowser::exportRequested, this, &MainWindow::openExport);
    connect(m_groupsPanel, &GroupsPanel::exportRequested, this, &MainWindow::openExport);
    connect(m_publish, &PublishView::finished, this, [this](const PublishJob::Outcome &outcome) {
        if (!outcome.rejected)
            statusBar()->showMessage(outcome.error.isEmpty()
                                         ? tr("Published %1 entries to %2.")
                                               .arg(outcome.sent)
                                               .arg(m_publish->streamBox()->currentText())
                                         : outcome.error,
                                     10000);
    });
    connect(m_streamView, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        m_tabs->setCurrentWidget(m_browser);
        m_browser->openStream(index.data(StreamListModel::NameRole).toByteArray());
    });

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    auto *streamPane = new QWidget;
    auto *streamLayout = new QVBoxLayout(streamPane);
    streamLayout->setContentsMargins(0, 0, 0, 0);
    streamLayout->setSpacing(2);
    m_streamError = new QLabel;
    m_streamError->setObjectName(QStringLiteral("streamListError"));
    m_streamError->setWordWrap(true);
    m_streamError->setStyleSheet(QStringLiteral("color:#c62828"));
    m_streamError->hide();
    streamLayout->addWidget(m_streamError);
    m_missingBanner = new WarningBanner;
    m_missingBanner->setObjectName(QStringLiteral("streamListMissingNodes"));
    streamLayout->addWidget(m_missingBanner);
    streamLayout->addWidget(m_streamView);
    m_splitter->addWidget(streamPane);
    m_splitter->addWidget(m_tabs);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 3);
    m_splitter->setSizes({340, 940});
    // A final error (certificate, host key, authentication): above everything, until the user
    // connects again, with the way to fix it.
    m_problemBanner = new ConnectionProblemBanner;
    connect(m_problemBanner, &ConnectionProblemBanner::settingsWanted, this,
            [this](ConnectionDialog::Tab tab) { openConnectionDialog(tab); });
    auto *central = new QWidget;
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(2);
    centralLayout->addWidget(m_problemBanner);
    centralLayout->addWidget(m_splitter, 1);
    setCentralWidget(central);

    m_serverLabel = new QLabel;
    m_deploymentLabel = new QLabel;
    m_deploymentLabel->setObjectName(QStringLiteral("deployment"));
    m_deploymentLabel->setToolTip(tr("The deployment: a standalone server, or a cluster with its "
                                     "primaries (the Topology tab shows every node)"));
    m_rateLabel = new QLabel;
    m_rateLabel->setToolTip(tr("Entries and bytes per second read by the live tail"));
    m_reconnectLabel = new QLabel;
    m_loadLabel = new QLabel;
    m_loadLabel->setToolTip(tr("StreamScope's own load on the server: commands per second sent by "
                               "all its connections (tail, polls, views, actions)"));
    auto *loadTimer = new QTimer(this);
    connect(loadTimer, &QTimer::timeout, this,
            [this, last = RedisConnection::totalCommandsSent(), clock = QElapsedTimer()]() mutable {
                if (!clock.isValid()) {
                    clock.start();
                    return;
                }
                const qint64 now = RedisConnection::totalCommandsSent();
                const double perSecond =
                    double(now - last) * 1000.0 / double(std::max<qint64>(1, clock.restart()));
                last = now;
                m_loadLabel->setText(m_tail ? tr("own load %1 cmd/s").arg(perSecond, 0, 'f', 1)
                                            : QString());
            });
    loadTimer->start(2000);
    auto *answerTimer = new QTimer(this);
    connect(answerTimer, &QTimer::timeout, this, &MainWindow::checkAnswering);
    connect(answerTimer, &QTimer::timeout, this, [this] {
        if (m_linkDownSinceMs)
            updateDeployment(); // "link down for N s" counts on
    });
    answerTimer->start(250);
    statusBar()->addWidget(m_serverLabel);
    // Permanent: a passing message (a failover, a finding) does not hide what the deployment is.
    statusBar()->addPermanentWidget(m_deploymentLabel);
    statusBar()->addPermanentWidget(m_rateLabel);
    statusBar()->addPermanentWidget(m_reconnectLabel);
    statusBar()->addPermanentWidget(m_loadLabel);
    onTailState(TailState::Stopped, {});
}

QStringList MainWindow::tabNames() {
    return {QStringLiteral("events"),   QStringLiteral("flow"),    QStringLiteral("groups"),
            QStringLiteral("findings"), QStringLiteral("browse"),  QStringLiteral("charts"),
            QStringLiteral("publish"),  QStringLiteral("topology")};
}

bool MainWindow::showTab(const QString &name) {
    const qsizetype index = tabNames().indexOf(name);
    if (index < 0 || index >= m_tabs->count())
        return false;
    m_tabs->setCurrentIndex(int(index));
    return true;
}

QString MainWindow::stateText() const {
    return m_stateLabel->text();
}

void MainWindow::setRowCap(int cap) {
    m_events->setRowCap(cap);
}

void MainWindow::onConnectClicked() {
    if (m_tail && m_urlEdit->text().trimmed() == m_settings.displayUrl()) {
        disconnectFromServer();
        return;
    }
    auto settings = ConnectionSettings::fromUrl(m_urlEdit->text());
    if (!settings.ok()) {
        showError(settings.error().message);
        return;
    }
    // The URL shown hides the password as ":***": that means the password in use.
    if (settings->password == QLatin1String("***")
        && m_urlEdit->text().contains(QLatin1String(":***@")))
        settings->password = m_settings.password;
    settings->readOnly = m_settings.readOnly;
    // The URL of the last connection, unchanged (Connect after a final error, or after
    // Disconnect): the same connection, with the secrets no URL carries.
    const bool same = m_urlEdit->text().trimmed() == m_settings.displayUrl();
    if (same) {
        settings->sentinel.password = m_settings.sentinel.password;
        settings->tls.keyPassphrase = m_settings.tls.keyPassphrase;
        settings->ssh.keyPassphrase = m_settings.ssh.keyPassphrase;
    }
    const QString name = m_connectionName;
    connectTo(settings.value());
    // A typed URL is no saved connection; the saved one's URL unchanged still is.
    showConnectionTag(same && m_connections ? m_connections->find(name) : std::nullopt);
}

void MainWindow::connectTo(const ConnectionSettings &settings) {
    disconnectFromServer();
    clearFinalError();
    m_settings = settings;
    m_urlEdit->setText(settings.displayUrl());
    m_events->clear();
    m_detail->clearEntry();
    m_charts->clear();
    // Nothing of the previous server (or user) stays on screen as if it were this one's: the
    // lists fill again from this connection's first polls.
    m_streams->setStreams({}, QDateTime::currentMSecsSinceEpoch());
    m_streamError->hide();
    m_missingBanner->setText({});
    m_lossBanner->setText({});
    onGroupSnapshot(GroupSnapshot());
    m_groupsPanel->showPollError({});
    statusBar()->clearMessage();

    m_tail = std::make_unique<TailController>(settings, StreamTailer::Options());
    StreamTailer *tailer = m_tail->tailer();
    connect(tailer, &StreamTailer::entriesReceived, m_events, &LiveEventModel::appendBatch);
    connect(tailer, &StreamTailer::entriesReceived, m_flow, &FlowView::addEntries);
    connect(tailer, &StreamTailer::stateChanged, this, &MainWindow::onTailState);
    connect(tailer, &StreamTailer::statsUpdated, this, &MainWindow::onTailStats);
    connect(tailer, &StreamTailer::gapDetected, this,
            [this](const TailGap &gap) { statusBar()->showMessage(gap.describe(), 15000); });
    // The server's data was replaced under us (FLUSHALL, a restart with other data): the rows
    // already shown are from the old data; the tail goes on with the new.
    connect(tailer, &StreamTailer::streamReset, this, [this](const TailReset &reset) {
        statusBar()->showMessage(reset.describe(), 60000);
        // Entries shown that the server no longer has (lost in a failover) stay said, above
        // the live table, until the next connection: a status message goes by unread.
        if (reset.lostInFailover)
            m_lossBanner->setText(reset.describe(), reset.describe());
    });
    // A node the tail reads from failed over: said where the tail's other warnings are, and in
    // the topology view.
    connect(tailer, &StreamTailer::topologyChanged, this, [this](const QString &message) {
        statusBar()->showMessage(message, 60000);
        m_topology->showChange(message);
    });
    connect(tailer, &StreamTailer::failed, this, &MainWindow::onFinalError);
    connect(tailer, &StreamTailer::streamFailed, this,
            [this](const QByteArray &, const QString &message) {
                statusBar()->showMessage(message, 15000);
            });

    m_poller = std::make_unique<PollerController>(settings, m_pollOptions);
    ServerPoller *poller = m_poller->poller();
    connect(poller, &ServerPoller::streamsListed, this, &MainWindow::onStreamsListed);
    connect(poller, &ServerPoller::serverInfo, this, &MainWindow::onServerInfo);
    connect(poller, &ServerPoller::accessUpdated, this, &MainWindow::setPermissions);
    connect(poller, &ServerPoller::groupSnapshot, this, &MainWindow::onGroupSnapshot);
    connect(poller, &ServerPoller::topologyUpdated, this, &MainWindow::onTopology);
    connect(poller, &ServerPoller::nodesMissing, this, &MainWindow::onNodesMissing);
    connect(poller, &ServerPoller::pollFailed, this, &MainWindow::onPollFailed);
    connect(poller, &ServerPoller::answered, this, [this](qint64 atMs) {
        m_lastAnswerMs = atMs;
        checkAnswering();
    });
    m_lastAnswerMs = QDateTime::currentMSecsSinceEpoch(); // the first poll is due now
    m_connectionFailureMs = 0;
    m_notAnswering = false;
    m_streamError->hide();
    m_groupsPanel->showPollError({});
    onNodesMissing({});
    m_topology->clear();
    m_deployment = DeploymentStatus();
    m_deployment.masterName = settings.sentinel.masterName;
    m_linkDownSinceMs = 0;
    m_deploymentLabel->clear();
    m_serverLabel->clear();
    m_actions = std::make_unique<GroupActions>(settings);
    m_groupsPanel->setActions(m_actions.get(), settings.readOnly);
    m_browser->setRequests(m_actions.get(), settings.readOnly);
    m_flow->setRequests(m_actions.get());
    m_publish->setConnection(settings);
    m_lastSeverity.clear();

    m_tail->start();
    m_poller->start();
    m_connectButton->setText(tr("Disconnect"));
}

void MainWindow::stopWorkers() {
    // The GUI never waits on the network: a worker inside a command to a server that does not
    // answer (SIGSTOP) finishes in the background, and says nothing more to this window.
    if (m_poller)
        m_poller->stopInBackground();
    if (m_tail)
        m_tail->stopInBackground();
    m_poller.reset();
    m_tail.reset();
}

void MainWindow::disconnectFromServer() {
    m_groupsPanel->setActions(nullptr, m_settings.readOnly);
    m_flow->setRequests(nullptr);
    m_publish->setConnection(std::nullopt);
    m_actions.reset(); // does not wait either
    stopWorkers();
    m_lastAnswerMs = 0;
    m_notAnswering = false;
    m_tailed.clear();
    m_tailedSlot.clear();
    m_everMissingSlots.clear();
    m_missing.clear();
    m_unreadable.clear();
    m_groupsPanel->setUnreadableStreams({});
    m_listedOnce = false;
    m_cluster = false;
    m_deployment = DeploymentStatus();
    m_linkDownSinceMs = 0;
    m_deploymentLabel->clear();
    m_topology->clear();
    setPermissions(Permissions()); // not probed: everything is tried
    m_reconnectLabel->clear();     // nothing reconnects now
    m_connectButton->setText(tr("Connect"));
    onTailState(TailState::Stopped, {});
}

void MainWindow::onStreamsListed(const StreamInfoList &streams, bool truncated) {
    m_streams->setStreams(streams, QDateTime::currentMSecsSinceEpoch());
    m_charts->addStreams(streams);
    QList<QByteArray> names;
    for (const StreamInfo &s : streams)
        names << s.name;
    m_publish->setStreams(names);
    if (!m_tail)
        return;
    // Streams there at the first listing are tailed from now ("$"). A stream that appears
    // later was created while we watched, so all of it is new: it is read from its start (or
    // the first payments of a new payment stream would be missed, and their orders would look
    // unpaid). When the listing is cut short a "new" stream may be an old one: then from now.
    const QByteArray fromForNew = m_listedOnce && !truncated ? QByteArray("0") : QByteArray("$");
    m_listedOnce = true;
    QSet<QByteArray> now;
    QList<QByteArray> unreadable;
    for (const StreamInfo &s : streams) {
        // A stream the user may not read is listed (marked) but not tailed: every read would
        // be refused (and land in the server's ACL LOG).
        if (!s.noAccess.isEmpty()) {
            unreadable << s.name;
            continue;
        }
        now.insert(s.name);
        m_tailedSlot.insert(s.name, s.slot);
        // In the slots of a node that was not answering, a stream seen for the first time was
        // there before (the listing could not see it): from now, or its history would come in
        // as new events.
        const bool wasUnknown = s.slot >= 0 && inSlotRanges(s.slot, m_everMissingSlots);
        if (!m_tailed.contains(s.name))
            m_tail->tailer()->addStream(s.name, wasUnknown ? QByteArray("$") : fromForNew);
    }
    for (const QByteArray &gone : m_tailed) {
        if (now.contains(gone))
            continue;
        // Its node is not answering: the stream is unknown, not gone; the tail keeps it (and
        // goes on from where it was when the node, or its replica, answers again).
        if (isUnknownNow(gone)) {
            now.insert(gone);
            continue;
        }
        m_tail->tailer()->removeStream(gone);
        m_tailedSlot.remove(gone);
    }
    m_tailed = now;
    if (unreadable != m_unreadable) {
        m_unreadable = unreadable;
        m_groupsPanel->setUnreadableStreams(unreadable);
        updateFindingsTab();
    }
    if (!m_restoreSelection.isEmpty()) { // the streams watched last time
        QItemSelection selection;
        for (int row = 0; row < m_streams->rowCount(); ++row)
            if (m_restoreSelection.contains(QString::fromUtf8(
                    m_streams->index(row, 0).data(StreamListModel::NameRole).toByteArray())))
                selection.select(m_streams->index(row, 0),
                                 m_streams->index(row, StreamListModel::ColumnCount - 1));
        if (!selection.isEmpty()) {
            m_streamView->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
            m_restoreSelection.clear();
        }
    }
    // The bound is said where it applies, for as long as it does.
    m_streamError->setVisible(truncated);
    m_streamError->setText(truncated ? tr("Only the first %1 matching streams are listed and "
                                          "watched (their groups too).")
                                           .arg(streams.size())
                                     : QString());
    if (truncated)
        statusBar()->showMessage(tr("Only the first %1 streams are listed.").arg(streams.size()),
                                 10000);
}

void MainWindow::onTailState(TailState state, const QString &detail) {
    m_state = state;
    m_tailDetail = detail;
    if (m_problemBanner->hasProblem())
        return; // a stopped worker's last word (queued before it stopped) does not cover it
    if (m_notAnswering)
        return; // checkAnswering() shows that, and restores this when the server is back
    QString colour;
    switch (state) {
    case TailState::Live:
        colour = QStringLiteral("#2e7d32");
        break;
    case TailState::Connecting:
    case TailState::Reconnecting:
        colour = QStringLiteral("#ef6c00");
        break;
    case TailState::Failed:
        colour = QStringLiteral("#c62828");
        break;
    case TailState::Stopped:
        colour = QStringLiteral("gray");
        break;
    }
    m_stateLabel->setText(QStringLiteral("<span style='color:%1'>&#9679;</span> %2")
                              .arg(colour, tailStateName(state).toHtmlEscaped()));
    m_stateLabel->setToolTip(detail);
    if (state == TailState::Reconnecting) {
        // The reason can be long: the whole of it is in the tooltip and the state's.
        const QString text = tr("reconnecting: %1").arg(detail);
        m_reconnectLabel->setText(
            m_reconnectLabel->fontMetrics().elidedText(text, Qt::ElideRight, 420));
        m_reconnectLabel->setToolTip(text);
    } else if (state == TailState::Stopped)
        m_rateLabel->clear();
}

void MainWindow::onTailStats(const TailStats &stats) {
    if (!m_tail)
        return; // a stopped tail's last figures (queued before it stopped)
    m_lastTailStatsMs = QDateTime::currentMSecsSinceEpoch();
    m_tailEntries = stats.entries;
    m_charts->addTailStats(stats);
    if (m_notAnswering)
        return; // the rates would be old ones
    m_rateLabel->setText(tr("%1 events/s, %2 KiB/s, %3 events")
                             .arg(stats.entriesPerSecond, 0, 'f', 0)
                             .arg(stats.bytesPerSecond / 1024.0, 0, 'f', 1)
                             .arg(QLocale().toString(stats.entries)));
    if (m_state == TailState::Live)
        m_reconnectLabel->setText(stats.reconnects ? tr("%1 reconnect(s)").arg(stats.reconnects)
                                                   : QString());
}

void MainWindow::onStreamSelectionChanged() {
    QSet<QByteArray> selected;
    for (const QModelIndex &row : m_streamView->selectionModel()->selectedRows())
        selected.insert(row.data(StreamListModel::NameRole).toByteArray());
    m_filter->setStreams(selected);
    m_groupsPanel->setStreamFilter(selected);
}

void MainWindow::onEventSelectionChanged() {
    const QModelIndexList rows = m_eventView->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_detail->clearEntry();
        return;
    }
    const QModelIndex source = m_filter->mapToSource(rows.first());
    m_detail->showEntry(m_events->entry(source.row()));
}

void MainWindow::setReadOnly(bool readOnly) {
    m_readOnlyAction->setChecked(readOnly);
    m_readOnlyLabel->setText(
        readOnly ? QStringLiteral("<b style='color:#c62828'>%1</b>").arg(tr("READ-ONLY"))
                 : QString());
    const QString name = m_connectionName.isEmpty() ? QString()
                         : m_connectionEdited
                             ? tr("%1 (changed, not saved) - ").arg(m_connectionName)
                             : m_connectionName + QStringLiteral(" - ");
    setWindowTitle(name + (readOnly ? tr("StreamScope (read-only)") : tr("StreamScope")));
    if (m_settings.readOnly == readOnly)
        return;
    m_settings.readOnly = readOnly;
    if (m_tail)
        connectTo(m_settings); // every connection of this window follows the mode
}

void MainWindow::setHealthOptions(const HealthOptions &options) {
    m_pollOptions.health = options;
    if (m_poller)
        m_poller->poller()->setHealthOptions(options);
}

void MainWindow::onPollFailed(const Error &error, PollArea area) {
    if (m_problemBanner->hasProblem())
        return; // the stopped poller's last word: the final error says it all
    if (error.kind == Error::Kind::Tls || error.kind == Error::Kind::HostKey
        || error.kind == Error::Kind::Auth) {
        onFinalError(error);
        return;
    }
    const QString message = error.message;
    if (error.kind == Error::Kind::Io || error.kind == Error::Kind::Connect
        || error.kind == Error::Kind::Protocol || error.kind == Error::Kind::Auth) {
        m_connectionFailure = message;
        m_connectionFailureMs = QDateTime::currentMSecsSinceEpoch();
    }
    if (area == PollArea::Groups) {
        m_groupsPanel->showPollError(message);
    } else {
        m_streamError->setText(tr("Stream list not current: %1").arg(message));
        m_streamError->setToolTip(message);
        m_streamError->show();
    }
    statusBar()->showMessage(tr("Poll failed: %1").arg(message), 15000);
}

void MainWindow::checkAnswering() {
    if (!m_poller || m_lastAnswerMs == 0)
        return;
    // With many streams the tail's reads wait up to 5 s between its figures; a read that waits
    // has received nothing, so the rate is 0, not the last one sent.
    if (m_state == TailState::Live && !m_notAnswering && m_lastTailStatsMs
        && QDateTime::currentMSecsSinceEpoch() - m_lastTailStatsMs > 1500)
        m_rateLabel->setText(
            tr("0 events/s, 0.0 KiB/s, %1 events").arg(QLocale().toString(m_tailEntries)));
    // A poll is due every interval; about 2 s past a missed one, say so.
    const qint64 late = QDateTime::currentMSecsSinceEpoch() - m_lastAnswerMs;
    const bool notAnswering = late > m_pollOptions.intervalMs + 2000;
    if (notAnswering) {
        const QString since =
            QDateTime::fromMSecsSinceEpoch(m_lastAnswerMs).toString(QStringLiteral("HH:mm:ss"));
        // A server that closes or refuses our connection is not silent: say what it does.
        const bool failing = m_connectionFailureMs > m_lastAnswerMs;
        m_stateLabel->setText(QStringLiteral("<span style='color:#c62828'>&#9679;</span> %1")
                                  .arg(failing ? tr("polls failing for %1 s").arg(late / 1000)
                                               : tr("not answering for %1 s").arg(late / 1000)));
        m_stateLabel->setToolTip(
            failing ? tr("No poll has succeeded since %1: every figure shown is from then. The "
                         "last failure: %2")
                          .arg(since, m_connectionFailure)
                    : tr("The server has not answered a poll since %1: every figure shown is "
                         "from then.")
                          .arg(since));
        m_rateLabel->setText(tr("- events/s, - KiB/s"));
        m_streams->setStale(true);
        m_topology->setStale(true);
        markDeploymentStale(since);
        if (!m_notAnswering)
            statusBar()->showMessage(
                failing ? tr("Polls are failing: %1").arg(m_connectionFailure)
                        : tr("The server is not answering (no reply to a poll for %1 s).")
                              .arg(late / 1000.0, 0, 'f', 1));
    } else if (m_notAnswering) {
        m_streams->setStale(false);
        m_topology->setStale(false);
        markDeploymentStale({});
        statusBar()->showMessage(tr("The server answers again."), 5000);
    }
    const bool was = m_notAnswering;
    m_notAnswering = notAnswering;
    if (was && !notAnswering)
        onTailState(m_state, m_tailDetail);
}

void MainWindow::onGroupSnapshot(const GroupSnapshot &snapshot) {
    m_groupsPanel->showPollError({});
    m_groupsPanel->showSnapshot(snapshot);
    m_charts->addGroups(snapshot);
    FindingList all;
    for (auto it = snapshot.findings.cbegin(); it != snapshot.findings.cend(); ++it)
        all.append(it.value());
    m_findings->setFindings(all);
    const int critical = int(std::count_if(all.cbegin(), all.cend(), [](const Finding &f) {
        return f.severity == Severity::Critical;
    }));
    m_findingsCount = int(all.size());
    m_findingsCritical = critical;
    updateFindingsTab();

    // Tell the user when a group turns critical, once.
    for (auto it = snapshot.findings.cbegin(); it != snapshot.findings.cend(); ++it) {
        const Severity now = worstOf(it.value());
        const Severity before = m_lastSeverity.value(it.key(), Severity::Ok);
        m_lastSeverity[it.key()] = now;
        if (now != Severity::Critical || before == Severity::Critical || it.value().isEmpty())
            continue;
        const Finding &f = it.value().first();
        const QString title =
            tr("%1 / %2 is critical").arg(QString::fromUtf8(f.stream), QString::fromUtf8(f.group));
        statusBar()->showMessage(title + QStringLiteral(": ") + f.kind, 15000);
        if (!m_tray && QSystemTrayIcon::isSystemTrayAvailable()) {
            m_tray = new QSystemTrayIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning), this);
            m_tray->show();
        }
        if (m_tray)
            m_tray->showMessage(title, f.message, QSystemTrayIcon::Critical, 10000);
    }
}

void MainWindow::updateFindingsTab() {
    // With a node missing, or streams the user may not read, their groups were not judged: the
    // count is not the whole count.
    const bool partial = !m_missing.isEmpty() || !m_unreadable.isEmpty();
    QString text = m_findingsCount ? tr("Findings (%1)").arg(m_findingsCount) : tr("Findings");
    if (partial)
        text = tr("Findings (%1, partial)").arg(m_findingsCount);
    m_tabs->setTabText(m_findingsTab, text);
    QString tip = tr("%1 critical").arg(m_findingsCritical);
    if (!m_missing.isEmpty())
        tip += QLatin1Char('\n')
               + ::streamscope::missingNodesText(m_missing, tr("their groups are not judged"));
    if (!m_unreadable.isEmpty())
        tip += QLatin1Char('\n')
               + tr("%1 stream(s) the user may not read: their groups are not judged")
                     .arg(m_unreadable.size());
    m_tabs->setTabToolTip(m_findingsTab, tip);
}

void MainWindow::onTopology(const TopologySnapshot &snapshot) {
    m_topology->setSnapshot(snapshot);
    m_cluster = snapshot.topology == RedisClient::Topology::Cluster;
    showClusterColumns(m_cluster);
    m_nodesNotOk = 0;
    for (const TopologyNode &t : snapshot.nodes)
        m_nodesNotOk += t.state == QLatin1String("ok") ? 0 : 1;
    m_deployment.topology = snapshot;
    updateDeployment();
}

void MainWindow::updateDeployment() {
    const std::optional<ServerInfo> &server = m_deployment.server;
    const bool linkDown =
        server && server->role == ServerInfo::Role::Replica && !server->primaryLinkUp;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Since when the server says (master_link_down_since_seconds), else since first seen down.
    if (!linkDown)
        m_linkDownSinceMs = 0;
    else if (server->primaryLinkDownSinceMs > 0)
        m_linkDownSinceMs = server->primaryLinkDownSinceMs;
    else if (!m_linkDownSinceMs)
        m_linkDownSinceMs = now;
    m_deployment.linkDownSeconds = linkDown ? (now - m_linkDownSinceMs) / 1000 : -1;
    QString text = m_deployment.text();
    if (m_cluster && m_nodesNotOk)
        text +=
            m_nodesNotOk == 1 ? tr(", 1 node not ok") : tr(", %1 nodes not ok").arg(m_nodesNotOk);
    m_deploymentLabel->setText(text);
    m_deploymentLabel->setToolTip(
        linkDown ? tr("The replica's link to its primary is down: what it shows is from before.")
                 : tr("The deployment and the server's role: a standalone server (primary or "
                      "replica), a primary found through Sentinel, or a cluster with its primaries "
                      "(the Topology tab shows every node)"));
}

// The role shown ("primary", "replica of ...") is what the server said last: while it does
// not answer, greyed and dated, as the other figures.
bool MainWindow::deploymentCurrent() const {
    return m_deploymentLabel->isEnabled();
}

void MainWindow::markDeploymentStale(const QString &since) {
    m_deploymentLabel->setEnabled(since.isEmpty());
    if (!since.isEmpty())
        m_deploymentLabel->setToolTip(
            tr("As the server said it at %1: it has not answered since.").arg(since));
    else
        updateDeployment(); // its own tooltip back
}

void MainWindow::onServerInfo(const ServerInfo &info) {
    const QString version = !info.version.isEmpty() ? info.version
                            : !info.unknownReason.isEmpty()
                                ? tr("unknown (%1)").arg(info.unknownReason)
                                : tr("unknown");
    // Through Sentinel the server is the master's primary (the deployment label names it), and
    // its mode ("standalone") says nothing there; through SSH, say the tunnel.
    QString what = m_settings.viaSentinel()
                       ? tr("Redis %1, master %2").arg(version, m_settings.sentinel.masterName)
                   : info.mode.isEmpty()
                       ? tr("Redis %1 at %2").arg(version, m_settings.endpoint())
                       : tr("Redis %1 (%2) at %3").arg(version, info.mode, m_settings.endpoint());
    if (m_settings.viaSsh())
        what += tr(", through SSH %1")
                    .arg(ConnectionSettings::HostPort{m_settings.ssh.host, m_settings.ssh.port}
                             .toString());
    m_serverLabel->setText(
        (m_connectionName.isEmpty() ? QString() : m_connectionName + QStringLiteral(": ")) + what);
    if (info.mode == QLatin1String("cluster"))
        showClusterColumns(true);
    const bool wasReplica =
        m_deployment.server && m_deployment.server->role == ServerInfo::Role::Replica;
    m_deployment.server = info;
    m_topology->model()->setServerRole(info.role == ServerInfo::Role::Unknown ? QString()
                                                                              : info.roleText);
    updateDeployment();
    if (wasReplica != (info.role == ServerInfo::Role::Replica))
        applyPermissions();
}

QString MainWindow::serverText() const {
    return m_serverLabel->text();
}

ServerPoller *MainWindow::poller() const {
    return m_poller ? m_poller->poller() : nullptr;
}

StreamTailer *MainWindow::tailer() const {
    return m_tail ? m_tail->tailer() : nullptr;
}

void MainWindow::onNodesMissing(const MissingNodeList &missing) {
    for (const MissingNode &m : missing)
        m_everMissingSlots += parseSlotRanges(m.slots);
    const bool was = !m_missing.isEmpty();
    m_missing = missing;
    QStringList reasons;
    for (const MissingNode &m : missing)
        reasons << QStringLiteral("%1: %2").arg(m.endpoint, m.reason);
    m_missingBanner->setText(
        ::streamscope::missingNodesText(missing, tr("streams there are not listed")),
        reasons.join(QLatin1Char('\n')));
    m_groupsPanel->showMissingNodes(missing);
    updateFindingsTab();
    if (!was && !missing.isEmpty())
        statusBar()->showMessage(m_missingBanner->text(), 15000);
    else if (was && missing.isEmpty() && m_poller)
        statusBar()->showMessage(tr("Every node answers again: the stream list is whole."), 5000);
}

bool MainWindow::isUnknownNow(const QByteArray &stream) const {
    const int slot = m_tailedSlot.value(stream, -1);
    for (const MissingNode &m : m_missing)
        if (m.slots.isEmpty() || (slot >= 0 && inSlotRanges(slot, parseSlotRanges(m.slots))))
            return true; // a standalone server (or a node of unknown slots) that is not answering
    return false;
}

void MainWindow::showClusterColumns(bool cluster) {
    const bool shown = !m_streamView->isColumnHidden(StreamListModel::NodeColumn);
    m_streamView->setColumnHidden(StreamListModel::NodeColumn, !cluster);
    m_streamView->setColumnHidden(StreamListModel::SlotColumn, !cluster);
    // Two more columns: widen a narrow stream pane once, so that the names still show.
    const QList<int> sizes = m_splitter ? m_splitter->sizes() : QList<int>();
    const int wide = 480;
    if (cluster && !shown && sizes.size() == 2 && sizes.at(0) > 0 && sizes.at(0) < wide)
        m_splitter->setSizes({wide, sizes.at(0) + sizes.at(1) - wide});
}

QString MainWindow::deploymentText() const {
    return m_deploymentLabel->text();
}

QString MainWindow::lostEntriesText() const {
    return m_lossBanner->text();
}

QString MainWindow::missingNodesText() const {
    return m_missingBanner->text();
}

void MainWindow::openExport(const ExportChoices &choices) {
    auto *dialog = new ExportDialog(
        choices, m_tail ? std::optional<ConnectionSettings>(m_settings) : std::nullopt, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ExportDialog::exported, this, [this](const ExportOutcome &outcome) {
        if (!outcome.cancelled && outcome.error.isEmpty())
            statusBar()->showMessage(
                tr("Exported %1 entries to %2.").arg(outcome.written).arg(outcome.path), 10000);
    });
    dialog->show();
}

void MainWindow::refresh() {
    if (!m_tail)
        return;
    m_poller->poller()->pollNow();
    m_flow->refresh();
    m_charts->refresh();
    m_groupsPanel->reloadPending();
    if (m_tabs->currentWidget() == m_browser && !m_browser->model()->stream().isEmpty())
        m_browser->openStream(m_browser->model()->stream());
    statusBar()->showMessage(tr("Refreshed."), 2000);
}

QStringList MainWindow::selectedStreams() const {
    QStringList names;
    for (const QModelIndex &row : m_streamView->selectionModel()->selectedRows())
        names << QString::fromUtf8(row.data(StreamListModel::NameRole).toByteArray());
    return names;
}

void MainWindow::setSettingsStore(QSettings *settings) {
    m_store = settings;
    m_secrets = std::make_unique<SecretStore>();
    m_connections = std::make_unique<ConnectionStore>(settings, m_secrets.get());
    m_publish->setTemplateStore(settings);
    reloadSavedConnections();
}

void MainWindow::reloadSavedConnections() {
    m_savedBox->clear();
    m_savedBox->addItem(tr("Saved connections"));
    if (!m_connections) {
        m_savedBox->setEnabled(false);
        return;
    }
    m_savedBox->setEnabled(true);
    for (const SavedConnection &c : m_connections->list()) {
        QPixmap swatch(12, 12);
        swatch.fill(c.colour.isValid() ? c.colour : Qt::transparent);
        m_savedBox->addItem(QIcon(swatch), c.readOnly ? tr("%1 (read-only)").arg(c.name) : c.name,
                            c.name);
        m_savedBox->setItemData(m_savedBox->count() - 1, c.url, Qt::ToolTipRole);
        if (c.name == m_connectionName)
            m_savedBox->setCurrentIndex(m_savedBox->count() - 1);
    }
}

QString MainWindow::savedBoxSelection() const {
    return m_savedBox->currentData().toString();
}

void MainWindow::selectSaved(const QString &name) {
    const QSignalBlocker quiet(m_savedBox); // showing a choice is not making one
    m_savedBox->setCurrentIndex(0);
    for (int i = 1; i < m_savedBox->count() && !name.isEmpty(); ++i)
        if (m_savedBox->itemData(i).toString() == name)
            m_savedBox->setCurrentIndex(i);
}

void MainWindow::showConnectionTag(const std::optional<SavedConnection> &saved) {
    m_connectionName = saved ? saved->name : QString();
    if (!saved)
        m_connectionEdited = false;
    const QColor colour = saved ? saved->colour : QColor();
    m_tagLabel->setStyleSheet(
        colour.isValid() ? QStringLiteral("background:%1; border-radius:3px;").arg(colour.name())
                         : QString());
    m_tagLabel->setToolTip(saved ? tr("Connection \"%1\"").arg(saved->name) : QString());
    m_tagLabel->setText(colour.isValid() ? QStringLiteral("  ") : QString());
    if (!saved)
        m_savedBox->setCurrentIndex(0);
    setReadOnly(m_settings.readOnly); // refreshes the title
}

bool MainWindow::connectSaved(const QString &name) {
    if (!m_connections)
        return false;
    const std::optional<SavedConnection> saved = m_connections->find(name);
    if (!saved) {
        showError(tr("There is no saved connection called \"%1\".").arg(name));
        return false;
    }
    auto ask =
        askPassword ? askPassword : [this](const QString &connection) -> std::optional<QString> {
        bool ok = false;
        const QString password = QInputDialog::getText(
            this, tr("Password"),
            tr("Password for %1 (kept in memory only: no keychain is available)").arg(connection),
            QLineEdit::Password, {}, &ok);
        return ok ? std::optional<QString>(password) : std::nullopt;
    };
    bool declined = false;
    auto settings = m_connections->settingsFor(
        *saved, [&](const QString &connection) -> std::optional<QString> {
            std::optional<QString> typed = ask(connection);
            declined = !typed;
            return typed;
        });
    if (!settings.ok()) {
        // The box goes back to the connection in use; a prompt the user cancelled needs no
        // message of its own.
        selectSaved(m_connectionName);
        if (!declined)
            showError(settings.error().message);
        return false;
    }
    m_connectionName = saved->name;
    m_connectionEdited = false;
    selectSaved(name);
    connectTo(settings.value());
    showConnectionTag(saved);
    setReadOnly(saved->readOnly);
    return true;
}

ConnectionDialog *MainWindow::openConnectionDialog(ConnectionDialog::Tab tab) {
    if (m_dialog) {
        m_dialog->showTab(tab);
        m_dialog->raise();
        m_dialog->activateWindow();
        return m_dialog;
    }
    auto *dialog = new ConnectionDialog(m_connections.get(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    // The saved connection in use, with its secrets; else what the window connects to now (or
    // the URL typed in the field).
    bool loaded = false;
    if (!m_connectionName.isEmpty() && m_connections) {
        const std::optional<SavedConnection> saved = m_connections->find(m_connectionName);
        if (saved && saved->url == m_settings.displayUrl(false)) {
            (void)dialog->loadSaved(m_connectionName); // a secret not stored is said there
            dialog->setSettings(m_settings);           // with the secrets in use
            loaded = true;
        }
    }
    if (!loaded) {
        ConnectionSettings current = m_settings;
        if (!m_tail && !m_problemBanner->hasProblem()) {
            auto typed = ConnectionSettings::fromUrl(m_urlEdit->text());
            if (typed.ok()) {
                if (typed->password == QLatin1String("***"))
                    typed->password = m_settings.password;
                typed->readOnly = m_settings.readOnly;
                current = typed.value();
            }
        }
        dialog->setSettings(current);
    }
    dialog->showTab(tab);
    connect(dialog, &ConnectionDialog::connectRequested, this,
            [this](const ConnectionSettings &settings, const QString &savedName, bool edited) {
                connectTo(settings);
                // An edited production connection is still that connection: its tag stays,
                // and the title says the changes are not saved.
                m_connectionEdited = edited;
                showConnectionTag(m_connections && !savedName.isEmpty()
                                      ? m_connections->find(savedName)
                                      : std::nullopt);
                setReadOnly(settings.readOnly);
            });
    connect(dialog, &ConnectionDialog::savedChanged, this,
            [this](const QString &name, bool deleted) {
                reloadSavedConnections();
                if (deleted && name == m_connectionName)
                    showConnectionTag(std::nullopt);
            });
    dialog->open(); // window-modal, no nested event loop
    return dialog;
}

QString MainWindow::finalErrorText() const {
    return m_problemBanner->text();
}

void MainWindow::clearFinalError() {
    m_problemBanner->clear();
    if (m_hostKeyPrompt)
        m_hostKeyPrompt->deleteLater();
}

void MainWindow::onFinalError(const Error &error) {
    if (!ConnectionProblemBanner::isFinal(error))
        return; // a tail that gave up for another reason says so in its state
    if (m_problemBanner->hasProblem())
        return; // the other worker's report of the same problem
    // Retrying cannot help: every worker stops, and the window says why until the user
    // connects again (the dialog's tab where it is fixed is a click away).
    disconnectFromServer();
    m_problemBanner->showProblem(error);
    // What the workers said before they stopped (a poll failed, reconnecting) is this, said once.
    m_streamError->hide();
    m_groupsPanel->showPollError({});
    const QString text = m_problemBanner->text();
    // The banner says it all; the toolbar's state stays short, so that it (and the read-only
    // marker beside it) is not pushed into the toolbar's overflow.
    m_stateLabel->setText(
        QStringLiteral("<span style='color:#c62828'>&#9679; %1</span>")
            .arg(m_stateLabel->fontMetrics()
                     .elidedText(text.section(QLatin1Char(':'), 0, 0), Qt::ElideRight, 220)
                     .toHtmlEscaped()));
    m_stateLabel->setToolTip(text);
    if (error.kind != Error::Kind::HostKey)
        return;
    const ConnectionSettings settings = m_settings;
    m_hostKeyPrompt =
        ::streamscope::hostKeyPrompt(error, this, [this, settings](const QString &fingerprint) {
            if (const Error e = trustHostKey(settings.ssh, fingerprint)) {
                m_problemBanner->setNote(tr("Not trusted: %1").arg(e.message));
                return;
            }
            connectTo(settings);
        });
    if (m_hostKeyPrompt)
        m_hostKeyPrompt->open();
}

void MainWindow::setPermissions(const Permissions &permissions) {
    m_permissions = permissions;
    applyPermissions();
}

// What the actions may do: what the ACL user may, and nothing that writes on a replica (each
// write would only come back READONLY), with the reason as their tooltip.
void MainWindow::applyPermissions() {
    Permissions effective = m_permissions;
    const std::optional<ServerInfo> &server = m_deployment.server;
    if (server && server->role == ServerInfo::Role::Replica) {
        effective.probed = true;
        const QString why = readOnlyReplicaMessage(server->primaryEndpoint);
        for (const QByteArray &command : aclWriteCommands()) {
            effective.denied.insert(command, why);
            effective.denied.insert(command.left(command.indexOf('|')), why);
        }
    }
    m_groupsPanel->setPermissions(effective);
    m_browser->setPermissions(effective);
    m_publish->setPermissions(effective);
}

void MainWindow::saveLayout() {
    if (!m_store)
        return;
    QSettings &s = *m_store;
    s.beginGroup(QStringLiteral("window"));
    s.setValue(QStringLiteral("geometry"), saveGeometry());
    s.setValue(QStringLiteral("state"), saveState());
    s.setValue(QStringLiteral("mainSplitter"), m_splitter->saveState());
    s.setValue(QStringLiteral("liveSplitter"), m_liveSplitter->saveState());
    s.setValue(QStringLiteral("eventColumns"), m_eventView->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("streamColumns"), m_streamView->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("tab"), tabNames().value(m_tabs->currentIndex()));
    s.setValue(QStringLiteral("watchedStreams"), selectedStreams());
    s.setValue(QStringLiteral("chartWindowMinutes"), m_charts->windowMinutesShown());
    s.endGroup();
    const FlowConfig &f = m_flow->config();
    s.beginGroup(QStringLiteral("flow"));
    s.setValue(QStringLiteral("startStream"), f.startStream);
    s.setValue(QStringLiteral("endStream"), f.endStream);
    s.setValue(QStringLiteral("keyField"), f.keyField);
    s.setValue(QStringLiteral("typeField"), f.typeField);
    s.setValue(QStringLiteral("startType"), f.startType);
    s.setValue(QStringLiteral("completedType"), f.completedType);
    s.setValue(QStringLiteral("failedType"), f.failedType);
    s.setValue(QStringLiteral("waitingThresholdMs"), f.waitingThresholdMs);
    s.endGroup();
    // The last connection: its saved name, or its URL without any password.
    if (m_rememberConnection)
        s.setValue(QStringLiteral("lastConnection"),
                   !m_connectionName.isEmpty() ? QStringLiteral("saved:") + m_connectionName
                   : m_tail                    ? m_settings.displayUrl(false)
                                               : QString());
    s.sync();
}

QString MainWindow::restoreLayout() {
    if (!m_store)
        return {};
    QSettings &s = *m_store;
    s.beginGroup(QStringLiteral("window"));
    restoreGeometry(s.value(QStringLiteral("geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("state")).toByteArray());
    m_splitter->restoreState(s.value(QStringLiteral("mainSplitter")).toByteArray());
    m_liveSplitter->restoreState(s.value(QStringLiteral("liveSplitter")).toByteArray());
    m_eventView->horizontalHeader()->restoreState(
        s.value(QStringLiteral("eventColumns")).toByteArray());
    m_streamView->horizontalHeader()->restoreState(
        s.value(QStringLiteral("streamColumns")).toByteArray());
    showTab(s.value(QStringLiteral("tab"), QStringLiteral("events")).toString());
    m_restoreSelection = s.value(QStringLiteral("watchedStreams")).toStringList();
    if (s.contains(QStringLiteral("chartWindowMinutes")))
        m_charts->setWindowMinutes(s.value(QStringLiteral("chartWindowMinutes")).toInt());
    s.endGroup();
    if (s.childGroups().contains(QStringLiteral("flow"))) {
        FlowConfig f;
        s.beginGroup(QStringLiteral("flow"));
        f.startStream = s.value(QStringLiteral("startStream"), f.startStream).toByteArray();
        f.endStream = s.value(QStringLiteral("endStream"), f.endStream).toByteArray();
        f.keyField = s.value(QStringLiteral("keyField"), f.keyField).toByteArray();
        f.typeField = s.value(QStringLiteral("typeField"), f.typeField).toByteArray();
        f.startType = s.value(QStringLiteral("startType"), f.startType).toByteArray();
        f.completedType = s.value(QStringLiteral("completedType"), f.completedType).toByteArray();
        f.failedType = s.value(QStringLiteral("failedType"), f.failedType).toByteArray();
        f.waitingThresholdMs =
            s.value(QStringLiteral("waitingThresholdMs"), f.waitingThresholdMs).toLongLong();
        s.endGroup();
        m_flow->setConfig(f);
    }
    return s.value(QStringLiteral("lastConnection")).toString();
}

void MainWindow::closeEvent(QCloseEvent *event) {
    saveLayout();
    QMainWindow::closeEvent(event);
}

void MainWindow::showError(const QString &message) {
    QMessageBox::warning(this, tr("StreamScope"), message);
}

} // namespace streamscope
