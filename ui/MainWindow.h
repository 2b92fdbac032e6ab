#pragma once

#include "ConnectionDialog.h"
#include "ConnectionSettings.h"
#include "Health.h"
#include "Permissions.h"
#include "SavedConnections.h"
#include "ServerPoller.h"
#include "StreamTailer.h"

#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>

#include <functional>
#include <memory>

class QLabel;
class QSettings;
class QSplitter;
class QTabWidget;
class QTableView;
class QVBoxLayout;

namespace streamscope {

class ChartsView;
class ConnectionBar;
class ConnectionProblemBanner;
struct ExportChoices;
class EntryDetailView;
class ConsoleView;
class FindingsModel;
class FindingsView;
class FlowView;
class GroupsPanel;
class LiveEventModel;
class LiveEventsView;
class PublishView;
class Session;
class ServiceMapView;
class SessionStatus;
class StreamBrowser;
class StreamListModel;
class StreamListPane;
class TopologyView;

// The window: it composes the views and binds them to the current Session (one per
// connection, replaced whole on connect). The connection toolbar (ConnectionBar), the status
// bar (SessionStatus), the stream list (StreamListPane) and the live table (LiveEventsView)
// are widgets of their own; layout persistence is WindowLayout's. All Redis I/O runs in the
// session's workers; this only receives values.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Connects (replacing any earlier session) and starts tailing every stream found.
    void connectTo(const ConnectionSettings &settings);
    void disconnectFromServer();
    void setRowCap(int cap);
    // The current connection (null when disconnected, or stopped by a final error).
    Session *session() const { return m_session.get(); }

    LiveEventModel *eventModel() const;
    StreamListModel *streamModel() const;
    QTableView *eventView() const;
    QTableView *streamView() const;
    EntryDetailView *detailView() const;
    LiveEventsView *liveView() const { return m_live; }
    StreamListPane *streamPane() const { return m_streamPane; }
    GroupsPanel *groupsPanel() const { return m_groupsPanel; }
    StreamBrowser *browser() const { return m_browser; }
    FlowView *flowView() const { return m_flow; }
    ChartsView *chartsView() const { return m_charts; }
    PublishView *publishView() const { return m_publish; }
    TopologyView *topologyView() const { return m_topology; }
    ConnectionBar *connectionBar() const { return m_bar; }
    QSplitter *mainSplitter() const { return m_splitter; }
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
    FindingsView *findingsView() const { return m_findingsView; }
    ConsoleView *console() const { return m_console; }
    ServiceMapView *serviceMap() const { return m_map; }
    // A banner above everything, below the toolbar (the demo's "payment-service stopped").
    void addBanner(QWidget *banner);
    QTabWidget *tabs() const { return m_tabs; }
    int findingsTabIndex() const { return m_findingsTab; }
    // The tabs by the names --tab takes: events, flow, groups, findings, browse, ...
    static QStringList tabNames();
    bool showTab(const QString &name);
    // The real mode: the session's switch (or the mode the next connection starts in).
    bool isReadOnly() const;
    // File > Replay a capture...: the replay dialog, into the connected server.
    void openReplay();
    // In place: the session's connections consult the switch; nothing reconnects or reloads.
    void setReadOnly(bool readOnly);
    // The thresholds the health rules use (idle time, deliveries, window).
    void setHealthOptions(const HealthOptions &options);
    QString stateText() const;

    // Preferences: saved connections, templates and the layout live here (not owned). Call once,
    // before restoreLayout().
    void setSettingsStore(QSettings *settings);
    QSettings *settingsStore() const { return m_store; }
    ConnectionStore *connectionStore() const;
    SecretStore *secretStore() const;
    // Connects to a saved connection (asking for its password when it is not stored).
    bool connectSaved(const QString &name);
    QString connectionName() const;
    // See WindowLayout: window geometry, splitters, columns, tab, chart choices, watched
    // streams and the last connection. restoreLayout() returns the last connection: a saved
    // name or a URL.
    void saveLayout();
    // False for connections not worth coming back to (the demo's private server).
    void setRememberConnection(bool remember) { m_rememberConnection = remember; }
    bool remembersConnection() const { return m_rememberConnection; }
    QString restoreLayout();
    // The connection dialog (Ctrl+Shift+O, "Connection..."), on the current connection (or the
    // saved one in use), opened on tab. Not modal to the application: the window goes on.
    ConnectionDialog *openConnectionDialog(ConnectionDialog::Tab tab = ConnectionDialog::ServerTab);
    ConnectionDialog *connectionDialog() const;
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
    // What the views may do (the session's effective permissions): forbidden actions are
    // disabled with the reason as their tooltip.
    void setPermissions(const Permissions &permissions);
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
    bool serverNotAnswering() const;
    QLabel *rateLabel() const;
    QLabel *streamErrorLabel() const;
    // The settings of the current (or last) connection.
    const ConnectionSettings &settings() const { return m_settings; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildUi();
    void bindViews();
    void showError(const QString &message);
    void openExport(const ExportChoices &choices);
    void onGroupSnapshot(const GroupSnapshot &snapshot);
    void updateFindingsTab();
    QString findingsPartialReason() const;
    void onFinalError(const Error &error);
    void clearFinalError();

    ConnectionBar *m_bar = nullptr;
    SessionStatus *m_status = nullptr;
    StreamListPane *m_streamPane = nullptr;
    QSplitter *m_splitter = nullptr;
    LiveEventsView *m_live = nullptr;
    ConnectionProblemBanner *m_problemBanner = nullptr;
    QPointer<QMessageBox> m_hostKeyPrompt;
    Permissions m_permissions;
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
    FindingsView *m_findingsView = nullptr;
    ConsoleView *m_console = nullptr;
    QAction *m_replayAction = nullptr;
    ServiceMapView *m_map = nullptr;
    QVBoxLayout *m_centralLayout = nullptr;
    ServerPoller::Options m_pollOptions;

    std::unique_ptr<Session> m_session;
    ConnectionSettings m_settings; // of the current (or last) connection
    bool m_readOnly = false;       // the mode the next connection starts in
    QSettings *m_store = nullptr;
    bool m_rememberConnection = true;
};

} // namespace streamscope
