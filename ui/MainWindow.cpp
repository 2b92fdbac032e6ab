#include "MainWindow.h"

#include "ChartsView.h"
#include "ConnectionBar.h"
#include "ConnectionProblem.h"
#include "ConsoleView.h"
#include "EntryDetailView.h"
#include "ExportDialog.h"
#include "FindingsModel.h"
#include "FindingsView.h"
#include "FlowView.h"
#include "GroupActions.h"
#include "GroupModels.h"
#include "GroupsPanel.h"
#include "LiveEventModel.h"
#include "LiveEventsView.h"
#include "PublishView.h"
#include "ReplayDialog.h"
#include "ServiceMapView.h"
#include "Session.h"
#include "SessionStatus.h"
#include "SshTunnel.h"
#include "StreamBrowser.h"
#include "StreamBrowserModel.h"
#include "StreamListModel.h"
#include "StreamListPane.h"
#include "TopologyView.h"
#include "WindowLayout.h"
#include "Wording.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QHeaderView>
#include <QKeySequence>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace streamscope {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent) {
    registerCoreMetaTypes();
    // The stream list pages through the server's streams; beyond 1,000, what is in view and
    // selected is what is polled and tailed (StreamListPane says so).
    m_pollOptions.catalog = true;
    trustHostKey = [](const ConnectionSettings::Ssh &ssh, const QString &fingerprint) {
        return trustSshHostKey(ssh, fingerprint);
    };
    buildUi();
    setWindowTitle(tr("StreamScope"));
    resize(1280, 780);
}

MainWindow::~MainWindow() {
    // The session's workers leave a command within one socket slice (their cancel flags), and
    // nothing must run on after the application.
    disconnectFromServer();
}

void MainWindow::buildUi() {
    m_bar = new ConnectionBar(this);
    addToolBar(m_bar);
    m_bar->askPassword = [this](const QString &name) -> std::optional<QString> {
        return askPassword ? askPassword(name) : ConnectionBar::promptPassword(this, name);
    };
    connect(m_bar, &ConnectionBar::connectRequested, this, [this](const ConnectionSettings &s) {
        connectTo(s);
        setReadOnly(s.readOnly);
    });
    connect(m_bar, &ConnectionBar::disconnectRequested, this, &MainWindow::disconnectFromServer);
    connect(m_bar, &ConnectionBar::readOnlyToggled, this, &MainWindow::setReadOnly);
    connect(m_bar, &ConnectionBar::titleChanged, this, &QWidget::setWindowTitle);
    connect(m_bar, &ConnectionBar::errorToShow, this, &MainWindow::showError);

    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    auto *focusUrl = fileMenu->addAction(tr("Connect to..."));
    focusUrl->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(focusUrl, &QAction::triggered, m_bar, &ConnectionBar::focusUrl);
    addAction(focusUrl);
    // A capture (tail or export JSON Lines) replayed into the connected (test) server.
    m_replayAction = fileMenu->addAction(tr("Replay a capture..."));
    m_replayAction->setObjectName(QStringLiteral("replay"));
    connect(m_replayAction, &QAction::triggered, this, &MainWindow::openReplay);
    fileMenu->addSeparator();
    auto *quit = fileMenu->addAction(tr("Quit"));
    quit->setShortcut(QKeySequence::Quit); // Ctrl+Q: closes the window, saving its layout
    connect(quit, &QAction::triggered, this, &QWidget::close);
    addAction(quit);
    auto *refresh = new QAction(tr("Refresh"), this);
    refresh->setShortcut(QKeySequence::Refresh); // F5
    refresh->setToolTip(tr("Poll streams and groups now, and reload the open views"));
    connect(refresh, &QAction::triggered, this, &MainWindow::refresh);
    addAction(refresh);

    m_streamPane = new StreamListPane;
    m_live = new LiveEventsView;
    m_groupsPanel = new GroupsPanel;
    connect(m_groupsPanel, &GroupsPanel::actionMessage, this,
            [this](const QString &message, bool) { m_status->say(message, 10000); });
    m_findingsView = new FindingsView;
    m_findingsView->setObjectName(QStringLiteral("findings"));
    m_findings = m_findingsView->model();
    // Double-click a finding: show its group.
    connect(m_findingsView, &FindingsView::groupWanted, this,
            [this](const QByteArray &stream, const QByteArray &group) {
                m_tabs->setCurrentWidget(m_groupsPanel);
                m_groupsPanel->selectGroup(stream, group);
            });
    connect(m_findingsView, &FindingsView::actionMessage, this,
            [this](const QString &message, bool) { m_status->say(message, 10000); });
    // After a rewind: poll now, so that the group's figures show where it is.
    connect(m_groupsPanel, &GroupsPanel::pollRequested, this, [this] {
        if (m_session)
            m_session->pollNow();
    });
    connect(m_groupsPanel, &GroupsPanel::showAllRequested, this,
            [this] { m_streamPane->clearSelection(); });

    m_flow = new FlowView;
    m_flow->setObjectName(QStringLiteral("flowView"));
    m_flow->searchLive = [this](const QByteArray &field, const QByteArray &value) {
        return m_live->find(field, value);
    };
    m_tabs = new QTabWidget;
    m_tabs->addTab(m_live, tr("Live events"));
    m_tabs->addTab(m_flow, tr("Event flow"));
    // The system as a live diagram: producers -> streams -> groups, double-click to go there.
    m_map = new ServiceMapView;
    m_map->setObjectName(QStringLiteral("serviceMap"));
    m_tabs->addTab(m_map, tr("Service map"));
    connect(m_map, &ServiceMapView::streamActivated, this, [this](const QByteArray &stream) {
        m_tabs->setCurrentWidget(m_browser);
        m_browser->openStream(stream);
    });
    auto showGroup = [this](const QByteArray &stream, const QByteArray &group) {
        m_tabs->setCurrentWidget(m_groupsPanel);
        m_groupsPanel->selectGroup(stream, group);
    };
    connect(m_map, &ServiceMapView::groupActivated, this, showGroup);
    connect(m_map, &ServiceMapView::consumerActivated, this,
            [this](const QByteArray &stream, const QByteArray &group, const QByteArray &consumer) {
                m_tabs->setCurrentWidget(m_groupsPanel);
                m_groupsPanel->selectConsumer(stream, group, consumer);
            });
    // The map costs a CLIENT LIST every few seconds: only while it is shown.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_session)
            m_session->setServiceMapWanted(m_tabs->currentWidget() == m_map);
    });
    m_tabs->addTab(m_groupsPanel, tr("Consumer groups"));
    m_findingsTab = m_tabs->addTab(m_findingsView, tr("Findings"));
    m_browser = new StreamBrowser;
    m_tabs->addTab(m_browser, tr("Browse"));
    m_charts = new ChartsView;
    m_tabs->addTab(m_charts, tr("Charts"));
    m_publish = new PublishView;
    m_tabs->addTab(m_publish, tr("Publish"));
    m_topology = new TopologyView;
    m_topology->setObjectName(QStringLiteral("topologyView"));
    m_tabs->addTab(m_topology, tr("Topology"));
    m_console = new ConsoleView;
    m_console->setObjectName(QStringLiteral("console"));
    m_tabs->addTab(m_console, tr("Console"));
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
            m_status->say(outcome.error.isEmpty()
                              ? tr("Published %1 to %2.")
                                    .arg(countOf(outcome.sent, "entry", "entries"),
                                         m_publish->streamBox()->currentText())
                              : outcome.error,
                          10000);
    });
    connect(m_streamPane, &StreamListPane::browseRequested, this, [this](const QByteArray &name) {
        m_tabs->setCurrentWidget(m_browser);
        m_browser->openStream(name);
    });
    connect(m_streamPane, &StreamListPane::selectionChanged, this,
            [this](const QSet<QByteArray> &selected) {
                m_live->setStreamFilter(selected);
                m_groupsPanel->setStreamFilter(selected);
            });

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(m_streamPane);
    m_splitter->addWidget(m_tabs);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 3);
    m_splitter->setSizes({340, 940});
    connect(m_streamPane, &StreamListPane::scopeChanged, m_charts, &ChartsView::setScopeNote);
    connect(m_streamPane, &StreamListPane::wantsWidth, this, [this](int wide) {
        const QList<int> sizes = m_splitter->sizes();
        if (sizes.size() == 2 && sizes.at(0) > 0 && sizes.at(0) < wide)
            m_splitter->setSizes({wide, sizes.at(0) + sizes.at(1) - wide});
    });
    // A final error (certificate, host key, authentication): above everything, until the user
    // connects again, with the way to fix it.
    m_problemBanner = new ConnectionProblemBanner;
    connect(m_problemBanner, &ConnectionProblemBanner::settingsWanted, this,
            [this](ConnectionDialog::Tab tab) { openConnectionDialog(tab); });
    auto *central = new QWidget;
    m_centralLayout = new QVBoxLayout(central);
    m_centralLayout->setContentsMargins(0, 0, 0, 0);
    m_centralLayout->setSpacing(2);
    m_centralLayout->addWidget(m_problemBanner);
    m_centralLayout->addWidget(m_splitter, 1);
    setCentralWidget(central);

    m_status = new SessionStatus(statusBar(), m_bar, this);
    bindViews();
}

void MainWindow::addBanner(QWidget *banner) {
    m_centralLayout->insertWidget(0, banner);
}

QStringList MainWindow::tabNames() {
    return {QStringLiteral("events"), QStringLiteral("flow"),     QStringLiteral("map"),
            QStringLiteral("groups"), QStringLiteral("findings"), QStringLiteral("browse"),
            QStringLiteral("charts"), QStringLiteral("publish"),  QStringLiteral("topology"),
            QStringLiteral("console")};
}

bool MainWindow::showTab(const QString &name) {
    const qsizetype index = tabNames().indexOf(name);
    if (index < 0 || index >= m_tabs->count())
        return false;
    m_tabs->setCurrentIndex(int(index));
    return true;
}

QString MainWindow::stateText() const {
    return m_bar->stateText();
}

void MainWindow::setRowCap(int cap) {
    m_live->setRowCap(cap);
}

void MainWindow::connectTo(const ConnectionSettings &settings) {
    clearFinalError();
    ConnectionSettings s = settings;
    m_readOnly = s.readOnly;
    // The old session goes whole: its workers stop in the background and whatever they had
    // queued for this window dies with it.
    disconnectFromServer();
    m_session = std::make_unique<Session>(s, Session::Options{m_pollOptions, {}});
    m_settings = m_session->settings();
    bindViews();
    m_session->start();
}

// Binds every view to the current session (or to none): each starts empty, so nothing of an
// earlier server stays anywhere.
void MainWindow::bindViews() {
    Session *session = m_session.get();
    m_bar->setCurrent(m_settings, session != nullptr, m_problemBanner->hasProblem());
    m_bar->showReadOnly(isReadOnly());
    m_status->bind(session, m_bar->connectionName());
    m_streamPane->bind(session);
    m_live->bind(session);
    m_charts->setHistories(session ? session->chartHistories() : nullptr);
    m_charts->setFreshness(session ? session->freshness() : Freshness());
    m_flow->setTracker(session ? session->flowTracker() : nullptr);
    m_flow->setKnownStreams({}, false);
    m_flow->setFreshness(session ? session->freshness() : Freshness());
    m_map->setMap(session ? session->serviceMap() : ServiceMap());
    m_map->setFreshness(session ? session->freshness() : Freshness());
    if (session)
        session->setServiceMapWanted(m_tabs->currentWidget() == m_map);
    m_topology->clear();
    m_groupsPanel->reset();
    onGroupSnapshot(GroupSnapshot());
    m_groupsPanel->showPollError({});
    m_groupsPanel->showMissingNodes({});
    m_groupsPanel->setUnreadableStreams({});
    m_groupsPanel->setFreshness(session ? session->freshness() : Freshness());
    GroupActions *actions = session ? session->actions() : nullptr;
    m_groupsPanel->setActions(actions, isReadOnly());
    m_browser->setRequests(actions, isReadOnly());
    m_flow->setRequests(actions);
    m_findingsView->setActions(actions);
    m_findingsView->setReadOnly(isReadOnly());
    m_findingsView->setFreshness(session ? session->freshness() : Freshness());
    const std::optional<ConnectionSettings> settings =
        session ? std::optional<ConnectionSettings>(m_settings) : std::nullopt;
    m_publish->setConnection(settings);
    m_publish->setStreams({});
    m_console->setConnection(settings);
    m_console->setReadOnly(isReadOnly());
    setPermissions(session ? session->effectivePermissions() : Permissions());
    m_findingsCount = m_findingsCritical = 0;
    updateFindingsTab();
    if (!session)
        return;
    connect(session, &Session::streamsListed, this,
            [this](const StreamInfoList &streams, bool truncated) {
                QList<QByteArray> names;
                for (const StreamInfo &s : streams)
                    names << s.name;
                m_publish->setStreams(names);
                m_flow->setKnownStreams(names, !truncated);
                m_browser->setStreamLengths(streams);
            });
    connect(session, &Session::unreadableChanged, this, [this](const QList<QByteArray> &names) {
        m_groupsPanel->setUnreadableStreams(names);
        updateFindingsTab();
    });
    connect(session, &Session::groupSnapshot, this, &MainWindow::onGroupSnapshot);
    connect(session, &Session::pollFailed, this, [this](const Error &error, PollArea area) {
        if (area == PollArea::Groups)
            m_groupsPanel->showPollError(error.message);
    });
    connect(session, &Session::nodesMissing, this,
            [this, was = false](const MissingNodeList &missing) mutable {
                m_groupsPanel->showMissingNodes(missing);
                updateFindingsTab();
                if (!was && !missing.isEmpty())
                    m_status->say(missingNodesText(), 15000);
                else if (was && missing.isEmpty())
                    m_status->say(tr("Every node answers again: the stream list is whole."), 5000);
                was = !missing.isEmpty();
            });
    connect(session, &Session::serviceMapUpdated, m_map, &ServiceMapView::setMap);
    connect(session, &Session::topologyUpdated, m_topology, &TopologyView::setSnapshot);
    connect(session, &Session::topologyChanged, m_topology, &TopologyView::showChange);
    connect(session, &Session::serverInfoUpdated, this, [this](const ServerInfo &info) {
        m_topology->model()->setServerRole(info.role == ServerInfo::Role::Unknown ? QString()
                                                                                  : info.roleText);
    });
    connect(session, &Session::freshnessChanged, this, [this](const Freshness &freshness) {
        m_topology->setStale(freshness.state == Freshness::State::Stale);
        m_charts->setFreshness(freshness);
        m_flow->setFreshness(freshness);
        m_map->setFreshness(freshness);
        m_groupsPanel->setFreshness(freshness);
        m_findingsView->setFreshness(freshness);
    });
    connect(session, &Session::permissionsChanged, this, &MainWindow::setPermissions);
    connect(session, &Session::readOnlyChanged, this, [this](bool readOnly) {
        // In place: no view reloads, no connection is made again.
        m_bar->showReadOnly(readOnly);
        m_groupsPanel->setReadOnly(readOnly);
        m_browser->setReadOnly(readOnly);
        m_findingsView->setReadOnly(readOnly);
        m_publish->setReadOnly(readOnly);
        m_console->setReadOnly(readOnly);
    });
    connect(session, &Session::finalError, this, &MainWindow::onFinalError);
}

void MainWindow::disconnectFromServer() {
    // The views let go of the session's workers first (they hold its GroupActions), then it
    // goes (without waiting on the network).
    std::unique_ptr<Session> old = std::move(m_session);
    bindViews();
    old.reset();
}

bool MainWindow::isReadOnly() const {
    return m_session ? m_session->isReadOnly() : m_readOnly;
}

void MainWindow::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    m_settings.readOnly = readOnly;
    if (m_session)
        m_session->setReadOnly(readOnly); // in place: readOnlyChanged updates the views
    m_bar->showReadOnly(readOnly);
}

void MainWindow::setHealthOptions(const HealthOptions &options) {
    m_pollOptions.health = options;
    if (m_session)
        m_session->setHealthOptions(options);
}

void MainWindow::onGroupSnapshot(const GroupSnapshot &snapshot) {
    m_groupsPanel->showPollError({});
    m_groupsPanel->showSnapshot(snapshot);
    FindingList all;
    for (auto it = snapshot.findings.cbegin(); it != snapshot.findings.cend(); ++it)
        all.append(it.value());
    const QString partialWhy = findingsPartialReason();
    m_findingsView->showSnapshot(snapshot, !partialWhy.isEmpty(), partialWhy);
    m_findingsCount = int(all.size());
    m_findingsCritical = int(std::count_if(all.cbegin(), all.cend(), [](const Finding &f) {
        return f.severity == Severity::Critical;
    }));
    updateFindingsTab();
}

// With a node missing, or streams the user may not read, their groups were not judged: the
// findings are not all of them ("" when they are).
QString MainWindow::findingsPartialReason() const {
    if (!m_session)
        return {};
    QStringList why;
    if (!m_session->missingNodes().isEmpty())
        why << ::streamscope::missingNodesText(m_session->missingNodes(),
                                               tr("their groups are not judged"));
    if (const int watched = m_session->lastGroups().streamLimit; watched > 0)
        why << tr("only %1 watched (more streams match): the groups of the others are not judged")
                   .arg(countOf(watched, "stream", "streams"));
    if (!m_session->unreadableStreams().isEmpty())
        why << tr("%1 the user may not read: their groups are not judged")
                   .arg(countOf(m_session->unreadableStreams().size(), "stream", "streams"));
    return why.join(QLatin1Char('\n'));
}

void MainWindow::updateFindingsTab() {
    const QString partialWhy = findingsPartialReason();
    QString text =
        m_findingsCount ? tr("Findings (%1)").arg(formatCount(m_findingsCount)) : tr("Findings");
    if (!partialWhy.isEmpty())
        text = tr("Findings (%1, partial)").arg(formatCount(m_findingsCount));
    m_tabs->setTabText(m_findingsTab, text);
    QString tip = tr("%1 critical").arg(formatCount(m_findingsCritical));
    if (!partialWhy.isEmpty())
        tip += QLatin1Char('\n') + partialWhy;
    m_tabs->setTabToolTip(m_findingsTab, tip);
}

QString MainWindow::deploymentText() const {
    return m_status->deploymentText();
}

bool MainWindow::deploymentCurrent() const {
    return m_status->deploymentCurrent();
}

QString MainWindow::lostEntriesText() const {
    return m_live->lostEntriesText();
}

QString MainWindow::missingNodesText() const {
    return m_streamPane->missingNodesText();
}

void MainWindow::openExport(const ExportChoices &choices) {
    auto *dialog = new ExportDialog(
        choices, m_session ? std::optional<ConnectionSettings>(m_settings) : std::nullopt, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ExportDialog::exported, this, [this](const ExportOutcome &outcome) {
        if (!outcome.cancelled && outcome.error.isEmpty())
            m_status->say(tr("Exported %1 to %2.")
                              .arg(countOf(outcome.written, "entry", "entries"), outcome.path),
                          10000);
    });
    dialog->show();
}

void MainWindow::openReplay() {
    if (!m_session) {
        showError(tr("Connect to the server to replay into first (File > Connect to...)."));
        return;
    }
    auto *dialog = new ReplayDialog(m_settings, isReadOnly(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::refresh() {
    if (!m_session)
        return;
    m_session->pollNow();
    m_flow->refresh();
    m_charts->refresh();
    m_groupsPanel->reloadPending();
    if (m_tabs->currentWidget() == m_browser && !m_browser->model()->stream().isEmpty())
        m_browser->openStream(m_browser->model()->stream());
    m_status->say(tr("Refreshed."), 2000);
}

QStringList MainWindow::selectedStreams() const {
    return m_streamPane->selectedStreams();
}

void MainWindow::setSettingsStore(QSettings *settings) {
    m_store = settings;
    m_bar->setSettingsStore(settings);
    m_publish->setTemplateStore(settings);
    m_flow->setSettingsStore(settings); // saved when changed, not only on close
}

ConnectionStore *MainWindow::connectionStore() const {
    return m_bar->connectionStore();
}

SecretStore *MainWindow::secretStore() const {
    return m_bar->secretStore();
}

QString MainWindow::connectionName() const {
    return m_bar->connectionName();
}

QString MainWindow::savedBoxSelection() const {
    return m_bar->savedBoxSelection();
}

bool MainWindow::connectSaved(const QString &name) {
    return m_bar->connectSaved(name);
}

ConnectionDialog *MainWindow::openConnectionDialog(ConnectionDialog::Tab tab) {
    return m_bar->openDialog(tab);
}

ConnectionDialog *MainWindow::connectionDialog() const {
    return m_bar->dialog();
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
    if (!ConnectionProblemBanner::isFinal(error) || m_problemBanner->hasProblem())
        return;
    // Retrying cannot help: the session has stopped its workers, and the window says why until
    // the user connects again (the dialog's tab where it is fixed is a click away).
    const ConnectionSettings settings = m_settings;
    // The session is still inside the signal that brought us here: it goes once it returns,
    // saying nothing more.
    Session *old = m_session.release();
    old->disconnect();
    m_problemBanner->showProblem(error);
    bindViews();
    old->deleteLater();
    m_status->showFinalError(m_problemBanner->text());
    if (error.kind != Error::Kind::HostKey)
        return;
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
    m_groupsPanel->setPermissions(permissions);
    m_browser->setPermissions(permissions);
    m_publish->setPermissions(permissions);
    m_findingsView->setPermissions(permissions);
}

ServerPoller *MainWindow::poller() const {
    return m_session ? m_session->poller() : nullptr;
}

StreamTailer *MainWindow::tailer() const {
    return m_session ? m_session->tailer() : nullptr;
}

QString MainWindow::serverText() const {
    return m_status->serverText();
}

bool MainWindow::serverNotAnswering() const {
    return m_status->notAnswering();
}

QLabel *MainWindow::rateLabel() const {
    return m_status->rateLabel();
}

QLabel *MainWindow::streamErrorLabel() const {
    return m_streamPane->errorLabel();
}

LiveEventModel *MainWindow::eventModel() const {
    return m_live->model();
}

StreamListModel *MainWindow::streamModel() const {
    return m_streamPane->model();
}

QTableView *MainWindow::eventView() const {
    return m_live->table();
}

QTableView *MainWindow::streamView() const {
    return m_streamPane->view();
}

EntryDetailView *MainWindow::detailView() const {
    return m_live->detail();
}

void MainWindow::saveLayout() {
    if (m_store)
        WindowLayout::save(*this, *m_store);
}

QString MainWindow::restoreLayout() {
    return m_store ? WindowLayout::restore(*this, *m_store) : QString();
}

void MainWindow::closeEvent(QCloseEvent *event) {
    saveLayout();
    QMainWindow::closeEvent(event);
}

void MainWindow::showError(const QString &message) {
    QMessageBox::warning(this, tr("StreamScope"), message);
}

} // namespace streamscope
