#pragma once

#include "ConnectionDialog.h"
#include "ConnectionSettings.h"
#include "GroupPoller.h"
#include "SavedConnections.h"
#include "ServerPoller.h"
#include "StreamTailer.h"
#include "TopologyView.h"

#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>
#include <QSet>

#include <memory>

class QComboBox;
class QLabel;
class QSettings;
class QLineEdit;
class QPushButton;
class QSplitter;
class QSystemTrayIcon;
class QTabWidget;
class QTableView;

namespace streamscope {

class ChartsView;
class ConnectionProblemBanner;
struct ExportChoices;
class EntryDetailView;
class FindingsModel;
class FlowView;
class GroupActions;
class GroupsPanel;
class LiveEventModel;
class PublishView;
class StreamBrowser;
class StreamFilterProxy;
class StreamListModel;
class TopologyView;
class WarningBanner;

// Composes the first window: connection bar, stream list, live event table, entry details and a
// status bar. All Redis I/O runs on the tail and poll threads; this only receives values.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Connects (stopping any earlier connection) and starts tailing every stream found.
    void connectTo(const ConnectionSettings &settings);
    void disconnectFromServer();
    void setRowCap(int cap);

    LiveEventModel *eventModel() const { return m_events; }
    StreamListModel *streamModel() const { return m_streams; }
    QTableView *eventView() const { return m_eventView; }
    QTableView *streamView() const { return m_streamView; }
    EntryDetailView *detailView() const { return m_detail; }
    GroupsPanel *groupsPanel() const { return m_groupsPanel; }
    StreamBrowser *browser() const { return m_browser; }
    FlowView *flowView() const { return m_flow; }
    ChartsView *chartsView() const { return m_charts; }
    PublishView *publishView() const { return m_publish; }
    TopologyView *topologyView() const { return m_topology; }
    // "cluster, 3 primaries", "primary", "replica of HOST:PORT, 1.2 KiB behind", "sentinel
    // mymaster: primary HOST:PORT" or "standalone", in the status bar.
    QString deploymentText() const;
    // False while what it says is the server's last word, not current (greyed).
    bool deploymentCurrent() const;
    // Above the stream list: the cluster nodes not answering (empty: the list is whole).
    QString missingNodesText() const;
    // What the banner above the live table says of entries a failover lost ("" when none).
    QString lostEntriesText() const;
    FindingsModel *findingsModel() const { return m_findings; }
    QTabWidget *tabs() const { return m_tabs; }
    int findingsTabIndex() const { return m_findingsTab; }
    // The tabs by the names --tab takes: events, flow, groups, findings, browse, ...
    static QStringList tabNames();
    bool showTab(const QString &name);
    bool isReadOnly() const { return m_settings.readOnly; }
    void setReadOnly(bool readOnly);
    // The thresholds the health rules use (idle time, deliveries, window).
    void setHealthOptions(const HealthOptions &options);
    QString stateText() const;

    // Preferences: saved connections, templates and the layout live here (not owned). Call once,
    // before restoreLayout().
    void setSettingsStore(QSettings *settings);
    ConnectionStore *connectionStore() const { return m_connections.get(); }
    SecretStore *secretStore() const { return m_secrets.get(); }
    // Connects to a saved connection (asking for its password when it is not stored).
    bool connectSaved(const QString &name);
    QString connectionName() const { return m_connectionName; }
    // Window geometry, splitters, columns, tab, flow and chart choices, watched streams and the
    // last connection. restoreLayout() returns the last connection: a saved name or a URL.
    void saveLayout();
    // False for connections not worth coming back to (the demo's private server).
    void setRememberConnection(bool remember) { m_rememberConnection = remember; }
    QString restoreLayout();
    // The connection dialog (Ctrl+Shift+O, "Connection..."), on the current connection (or the
    // saved one in use), opened on tab. Not modal to the application: the window goes on.
    ConnectionDialog *openConnectionDialog(ConnectionDialog::Tab tab = ConnectionDialog::ServerTab);
    ConnectionDialog *connectionDialog() const { return m_dialog; }
    // A certificate (Error::Kind::Tls), SSH host key (HostKey) or authentication (Auth) problem
    // stops every worker: retrying cannot help. The window says what is wrong, red, above the
    // views, with a button to the dialog's tab where it is fixed, until the user connects again.
    // Empty when there is none.
    QString finalErrorText() const;
    ConnectionProblemBanner *finalErrorBanner() const { return m_problemBanner; }
    // For an unknown SSH host key: "Trust and connect" / "Cancel" (Cancel by default); for a
    // changed one a refusal only. Null when not shown.
    QMessageBox *hostKeyPrompt() const { return m_hostKeyPrompt; }
    // Adds the host key the user saw to the tunnel's known_hosts (trustSshHostKey by default).
    std::function<Error(const ConnectionSettings::Ssh &ssh, const QString &fingerprint)>
        trustHostKey;
    // What the ACL user may do (ServerPoller::accessUpdated): forbidden actions are disabled with
    // the reason as their tooltip.
    void setPermissions(const Permissions &permissions);
    // The permissions the actions follow: the ACL user's, and no writes on a replica.
    void applyPermissions();
    // Greys the deployment label as of since (empty: current again).
    void markDeploymentStale(const QString &since);
    const Permissions &permissions() const { return m_permissions; }
    // The current workers (null when disconnected): tests emit their signals.
    ServerPoller *poller() const;
    StreamTailer *tailer() const;
    QString serverText() const;
    // Asks for a password (a dialog); replaceable for tests.
    std::function<std::optional<QString>(const QString &name)> askPassword;
    // The saved connection the box shows ("" for none).
    QString savedBoxSelection() const;
    QStringList selectedStreams() const;
    // F5: poll now and reload what is shown.
    void refresh();
    // The server has not answered a poll for more than about 2 s past its time.
    bool serverNotAnswering() const { return m_notAnswering; }
    QLabel *rateLabel() const { return m_rateLabel; }
    QLabel *streamErrorLabel() const { return m_streamError; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildUi();
    void onConnectClicked();
    void onStreamsListed(const StreamInfoList &streams, bool truncated);
    void onTailState(TailState state, const QString &detail);
    void onTailStats(const TailStats &stats);
    void onStreamSelectionChanged();
    void onEventSelectionChanged();
    void showError(const QString &message);
    void openExport(const ExportChoices &choices);
    void onGroupSnapshot(const GroupSnapshot &snapshot);
    void onTopology(const TopologySnapshot &snapshot);
    void onNodesMissing(const MissingNodeList &missing);
    // Node and slot columns: only on a cluster.
    void showClusterColumns(bool cluster);
    void updateFindingsTab();
    void onPollFailed(const Error &error, PollArea area);
    // Called often: says so when the server has not answered a poll for a while.
    void checkAnswering();
    void stopWorkers();
    void reloadSavedConnections();
    // The saved-connections box shows name (the placeholder for none), without connecting.
    void selectSaved(const QString &name);
    void showConnectionTag(const std::optional<SavedConnection> &saved);
    void onServerInfo(const ServerInfo &info);
    void onFinalError(const Error &error);
    void clearFinalError();
    // The deployment label from m_deployment (and the cluster's nodes not ok).
    void updateDeployment();

    LiveEventModel *m_events = nullptr;
    StreamListModel *m_streams = nullptr;
    StreamFilterProxy *m_filter = nullptr;

    QLineEdit *m_urlEdit = nullptr;
    QPushButton *m_connectButton = nullptr;
    QLabel *m_stateLabel = nullptr;
    QTableView *m_streamView = nullptr;
    QTableView *m_eventView = nullptr;
    EntryDetailView *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;
    QLabel *m_serverLabel = nullptr;
    QLabel *m_rateLabel = nullptr;
    QLabel *m_reconnectLabel = nullptr;
    QLabel *m_loadLabel = nullptr;
    QLabel *m_streamError = nullptr;          // above the stream list: why it is not current
    WarningBanner *m_missingBanner = nullptr; // above the stream list: nodes not answering
    WarningBanner *m_lossBanner = nullptr;    // above the live table: entries a failover lost
    QList<QByteArray> m_unreadable;           // listed streams the user may not read (ACL)
    bool m_connectionEdited = false; // the saved connection, changed in the dialog, not saved
    QLabel *m_deploymentLabel = nullptr;
    DeploymentStatus m_deployment;
    int m_nodesNotOk = 0;
    qint64 m_linkDownSinceMs = 0; // a replica's link first seen down (0: up)
    QPointer<ConnectionDialog> m_dialog;
    ConnectionProblemBanner *m_problemBanner = nullptr;
    QPointer<QMessageBox> m_hostKeyPrompt;
    Permissions m_permissions;
    bool m_cluster = false;
    MissingNodeList m_missing;
    qint64 m_lastAnswerMs = 0;    // the poller's last answered poll (0: none yet)
    qint64 m_lastTailStatsMs = 0; // the tail's last figures
    qint64 m_tailEntries = 0;
    bool m_notAnswering = false;
    // The last poll that failed on the connection itself (closed, refused), and when: then the
    // server is not silent but failing us, and the window says why instead of "not answering".
    QString m_connectionFailure;
    qint64 m_connectionFailureMs = 0;
    QString m_tailDetail;
    QLabel *m_readOnlyLabel = nullptr;
    QAction *m_readOnlyAction = nullptr;
    QTabWidget *m_tabs = nullptr;
    GroupsPanel *m_groupsPanel = nullptr;
    StreamBrowser *m_browser = nullptr;
    FlowView *m_flow = nullptr;
    ChartsView *m_charts = nullptr;
    PublishView *m_publish = nullptr;
    TopologyView *m_topology = nullptr;
    int m_findingsTab = 0;
    int m_findingsCount = 0;
    int m_findingsCritical = 0;
    FindingsModel *m_findings = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QHash<QByteArray, Severity> m_lastSeverity;
    ServerPoller::Options m_pollOptions;

    std::unique_ptr<TailController> m_tail;
    std::unique_ptr<PollerController> m_poller;
    std::unique_ptr<GroupActions> m_actions;
    ConnectionSettings m_settings;
    QSettings *m_store = nullptr;
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<ConnectionStore> m_connections;
    QString m_connectionName; // the saved connection in use, if any
    bool m_rememberConnection = true;
    QStringList m_restoreSelection; // watched streams to select once listed
    QComboBox *m_savedBox = nullptr;
    QLabel *m_tagLabel = nullptr;
    QSplitter *m_liveSplitter = nullptr;
    QSet<QByteArray> m_tailed;
    QHash<QByteArray, int> m_tailedSlot; // on a cluster: where each tailed stream was last seen
    // Slots whose node did not answer at some point of this connection: a stream that shows up
    // there is not new, only newly known.
    QList<QPair<int, int>> m_everMissingSlots;
    // The stream's node is not answering now: it is unknown, not gone.
    bool isUnknownNow(const QByteArray &stream) const;
    bool m_listedOnce = false; // the first listing of this connection is done
    TailState m_state = TailState::Stopped;
    bool m_followTail = true;
};

} // namespace streamscope
