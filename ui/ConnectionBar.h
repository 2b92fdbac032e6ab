#pragma once

#include "ConnectionDialog.h"
#include "ConnectionSettings.h"
#include "SavedConnections.h"

#include <QPointer>
#include <QToolBar>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSettings;

namespace streamscope {

// The connection toolbar: the saved connections (with their colour tag), the URL field,
// "Connection..." (the dialog: TLS, Sentinel, SSH, saving), Connect/Disconnect, the state and
// the read-only switch. It decides what to connect to (a typed URL, a saved connection with its
// secrets, the dialog's settings) and asks the window to do it; it never touches a server.
class ConnectionBar : public QToolBar {
    Q_OBJECT
public:
    explicit ConnectionBar(QWidget *parent = nullptr);
    ~ConnectionBar() override;

    // Saved connections and their secrets live in settings (not owned).
    void setSettingsStore(QSettings *settings);
    ConnectionStore *connectionStore() const { return m_connections.get(); }
    SecretStore *secretStore() const { return m_secrets.get(); }

    // What the window connects to now (connected: workers run; problem: a final error stopped
    // them), so that Connect on the same URL keeps the secrets no URL carries.
    void setCurrent(const ConnectionSettings &settings, bool connected, bool problem);
    // Connects to a saved connection (asking for its password when it is not stored).
    bool connectSaved(const QString &name);
    // The dialog, on the current connection (or the saved one in use), opened on tab.
    ConnectionDialog *openDialog(ConnectionDialog::Tab tab = ConnectionDialog::ServerTab);
    ConnectionDialog *dialog() const { return m_dialog; }
    // The saved connection in use ("" for none), and whether it was changed without saving.
    QString connectionName() const { return m_connectionName; }
    bool connectionEdited() const { return m_connectionEdited; }
    // The tag of the connection in use: a saved one, or none (a typed URL).
    void showConnectionTag(const std::optional<SavedConnection> &saved);
    QString savedBoxSelection() const;
    // The real mode, shown (the window's title follows, see title()).
    void showReadOnly(bool readOnly);
    QString title() const;
    void setStateText(const QString &html, const QString &toolTip);
    QString stateText() const;
    QLabel *stateLabel() const { return m_stateLabel; }
    void focusUrl();

    // The password dialog askPassword defaults to.
    static std::optional<QString> promptPassword(QWidget *parent, const QString &connection);
    // Asks for a password (a dialog); replaceable for tests.
    std::function<std::optional<QString>(const QString &name)> askPassword;

Q_SIGNALS:
    // Connect to these settings (their readOnly is the mode to connect in). The tag is already
    // shown: connectionName() is the saved connection they are, "" for a typed URL.
    void connectRequested(const streamscope::ConnectionSettings &settings);
    void disconnectRequested();
    void readOnlyToggled(bool readOnly);
    // A saved connection was saved (deleted: removed); the window applies its mode when it is
    // the one in use.
    void savedChanged(const QString &name, bool deleted);
    void titleChanged(const QString &title);
    void errorToShow(const QString &message);

private:
    void onConnectClicked();
    // saved: the saved connection the settings are (none: a typed URL); edited: changed in the
    // dialog and not saved.
    void requestConnect(const ConnectionSettings &settings,
                        const std::optional<SavedConnection> &saved, bool edited);
    void reloadSavedConnections();
    void applySavedMode(const QString &name);
    // The box shows name (the placeholder for none), without connecting.
    void selectSaved(const QString &name);

    QLabel *m_tagLabel = nullptr;
    QComboBox *m_savedBox = nullptr;
    QLineEdit *m_urlEdit = nullptr;
    QPushButton *m_connectButton = nullptr;
    QLabel *m_stateLabel = nullptr;
    QAction *m_readOnlyAction = nullptr;
    QLabel *m_readOnlyLabel = nullptr;
    QPointer<ConnectionDialog> m_dialog;
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<ConnectionStore> m_connections;
    QString m_connectionName;
    bool m_connectionEdited = false;
    bool m_readOnly = false;
    ConnectionSettings m_current;
    bool m_connected = false;
    bool m_problem = false;
};

} // namespace streamscope
