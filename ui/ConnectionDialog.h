#pragma once

#include "ConnectionSettings.h"

#include <QColor>
#include <QDialog>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace streamscope {

class ConnectionStore;

// Edits one ConnectionSettings, every part of it: the server (a URL, or host, port, database,
// user, password), TLS (CA file or directory, client certificate and key, its passphrase, SNI,
// verification), Sentinel (the sentinels, the master's name, their own credentials) and an SSH
// tunnel (host, port, user, key, passphrase, known_hosts). "Connect" hands the settings on;
// "Save" stores them as a saved connection (secrets in the keychain, never in a file).
//
// Every change is checked in place: a file that does not exist, a certificate without its key,
// sentinels without a master name are said under the tabs, naming the tab and the field.
class ConnectionDialog : public QDialog {
    Q_OBJECT
public:
    enum Tab { ServerTab, TlsTab, SentinelTab, SshTab };

    // store may be null: then there is no Save.
    explicit ConnectionDialog(ConnectionStore *store, QWidget *parent = nullptr);

    // Fills every field from settings (secrets included).
    void setSettings(const ConnectionSettings &settings);
    // The settings the fields describe, or what is wrong with them (the message names the tab).
    Result<ConnectionSettings> settings() const;
    // Opens a saved connection: its settings with its stored secrets, its name and colour.
    // Errors: no such connection, or a secret that cannot be read.
    Error loadSaved(const QString &name);
    void setName(const QString &name);
    QString name() const;
    void setColour(const QColor &colour);
    QColor colour() const;
    void showTab(Tab tab);
    Tab currentTab() const;
    // What the in-place check says now ("" when the settings are fine).
    QString problem() const;
    // The URL of the settings as shown under the tabs (no secret).
    QString urlText() const;

    // Clicks, for tests and the window's shortcuts.
    void connectClicked();
    // Saves under name(); false when something is wrong (said in the dialog).
    bool saveClicked();

    QTabWidget *tabs() const { return m_tabs; }

Q_SIGNALS:
    // The user wants to connect with these settings; savedName is the saved connection they
    // come from (empty when none, or renamed), edited whether they were changed since loaded
    // and not saved (the window keeps the connection's tag and says "not saved").
    void connectRequested(const streamscope::ConnectionSettings &settings, const QString &savedName,
                          bool edited);
    // A saved connection was stored (or deleted: deleted true).
    void savedChanged(const QString &name, bool deleted);

private:
    QWidget *buildServerTab();
    QWidget *buildTlsTab();
    QWidget *buildSentinelTab();
    QWidget *buildSshTab();
    // A line edit with a "Browse..." button choosing a file (or a directory).
    QWidget *withBrowse(QLineEdit *edit, bool directory, const QString &title);
    // Parses the URL field into every field (on editing finished).
    void applyUrl();
    // After any change: the URL shown, the fields that apply, the check's message.
    void refresh();
    void showProblem(const QString &problem);
    bool isUnchangedSaved() const;

    ConnectionStore *m_store;
    QTabWidget *m_tabs = nullptr;
    bool m_filling = false; // fields being set from settings: no refresh per field

    // Server
    QLineEdit *m_url = nullptr;
    QComboBox *m_transport = nullptr; // TCP, Unix socket
    QLineEdit *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_socket = nullptr;
    QSpinBox *m_db = nullptr;
    QLineEdit *m_user = nullptr;
    QLineEdit *m_password = nullptr;
    QLineEdit *m_name = nullptr;
    QComboBox *m_colour = nullptr;
    QCheckBox *m_readOnly = nullptr;
    QLabel *m_serverNote = nullptr;
    // TLS
    QCheckBox *m_useTls = nullptr;
    QLineEdit *m_caFile = nullptr;
    QLineEdit *m_caDir = nullptr;
    QLineEdit *m_certFile = nullptr;
    QLineEdit *m_keyFile = nullptr;
    QLineEdit *m_keyPassphrase = nullptr;
    QLineEdit *m_sni = nullptr;
    QCheckBox *m_verifyPeer = nullptr;
    QWidget *m_tlsFields = nullptr;
    // Sentinel
    QPlainTextEdit *m_sentinels = nullptr;
    QLineEdit *m_master = nullptr;
    QLineEdit *m_sentinelUser = nullptr;
    QLineEdit *m_sentinelPassword = nullptr;
    // SSH
    QLineEdit *m_sshHost = nullptr;
    QSpinBox *m_sshPort = nullptr;
    QLineEdit *m_sshUser = nullptr;
    QLineEdit *m_sshKey = nullptr;
    QLineEdit *m_sshPassphrase = nullptr;
    QLineEdit *m_knownHosts = nullptr;

    QLabel *m_urlShown = nullptr;
    QLabel *m_problem = nullptr;
    QPushButton *m_connect = nullptr;
    QPushButton *m_save = nullptr;
    QPushButton *m_delete = nullptr;
    // The saved connection loaded, as it was loaded: Connect names it while nothing changed.
    QString m_loadedName;
    std::optional<ConnectionSettings> m_loaded;
    QColor m_loadedColour;
};

} // namespace streamscope
