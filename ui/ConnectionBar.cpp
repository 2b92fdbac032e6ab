#include "ConnectionBar.h"

#include "Palette.h"

#include <QAction>
#include <QComboBox>
#include <QInputDialog>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QPushButton>

namespace streamscope {

ConnectionBar::ConnectionBar(QWidget *parent)
    : QToolBar(tr("Connection"), parent) {
    setObjectName(QStringLiteral("connectionBar"));
    setMovable(false);
    m_tagLabel = new QLabel(this);
    m_tagLabel->setMinimumWidth(6);
    addWidget(m_tagLabel);
    m_savedBox = new QComboBox(this);
    m_savedBox->setObjectName(QStringLiteral("savedConnections"));
    m_savedBox->setToolTip(tr("Saved connections: choose one to connect"));
    m_savedBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    addWidget(m_savedBox);
    connect(m_savedBox, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            connectSaved(m_savedBox->itemData(index).toString());
    });
    reloadSavedConnections();
    addWidget(new QLabel(tr(" Server "), this));
    m_urlEdit = new QLineEdit(QString::fromLatin1(ConnectionSettings::defaultUrl), this);
    m_urlEdit->setPlaceholderText(QStringLiteral("redis://[user:password@]host:port[/db]"));
    m_urlEdit->setToolTip(tr("redis://, rediss:// (TLS), unix:// or redis+sentinel:// URL, with "
                             "?cacert=, cert=, key=, ssh=... (Connection... edits them). The "
                             "password may also come from REDISCLI_AUTH."));
    m_urlEdit->setMinimumWidth(fontMetrics().averageCharWidth() * 26);
    addWidget(m_urlEdit);
    // Everything the URL field cannot say comfortably (TLS files, sentinels, an SSH tunnel, the
    // keychain's secrets), and saving: the connection dialog.
    auto *dialogAction = addAction(tr("Connection..."));
    dialogAction->setObjectName(QStringLiteral("connectionDialogAction"));
    dialogAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    dialogAction->setToolTip(tr("Edit the connection: server, TLS, Sentinel, SSH tunnel; connect "
                                "or save it (passwords go to the system keychain) (%1)")
                                 .arg(dialogAction->shortcut().toString(QKeySequence::NativeText)));
    connect(dialogAction, &QAction::triggered, this, [this] { openDialog(); });
    m_connectButton = new QPushButton(tr("Connect"), this);
    addWidget(m_connectButton);
    m_stateLabel = new QLabel(this);
    m_stateLabel->setContentsMargins(12, 0, 0, 0);
    addWidget(m_stateLabel);
    connect(m_connectButton, &QPushButton::clicked, this, &ConnectionBar::onConnectClicked);
    connect(m_urlEdit, &QLineEdit::returnPressed, this, &ConnectionBar::onConnectClicked);

    m_readOnlyAction = addAction(tr("Read-only"));
    m_readOnlyAction->setObjectName(QStringLiteral("readOnlyAction"));
    m_readOnlyAction->setCheckable(true);
    m_readOnlyAction->setToolTip(tr("Read-only mode: StreamScope sends nothing that changes data "
                                    "(enforced for every command, whatever the view). Changing "
                                    "it does not reconnect."));
    connect(m_readOnlyAction, &QAction::toggled, this, &ConnectionBar::readOnlyToggled);
    m_readOnlyLabel = new QLabel(this);
    m_readOnlyLabel->setObjectName(QStringLiteral("readOnlyLabel"));
    m_readOnlyLabel->setContentsMargins(8, 0, 0, 0);
    addWidget(m_readOnlyLabel);
}

ConnectionBar::~ConnectionBar() = default;

void ConnectionBar::focusUrl() {
    m_urlEdit->setFocus();
    m_urlEdit->selectAll();
}

void ConnectionBar::setSettingsStore(QSettings *settings) {
    m_secrets = std::make_unique<SecretStore>();
    m_connections = std::make_unique<ConnectionStore>(settings, m_secrets.get());
    reloadSavedConnections();
}

void ConnectionBar::setCurrent(const ConnectionSettings &settings, bool connected, bool problem) {
    m_current = settings;
    m_connected = connected;
    m_problem = problem;
    m_urlEdit->setText(settings.displayUrl());
    m_connectButton->setText(connected ? tr("Disconnect") : tr("Connect"));
}

void ConnectionBar::setStateText(const QString &html, const QString &toolTip) {
    m_stateLabel->setText(html);
    m_stateLabel->setToolTip(toolTip);
}

QString ConnectionBar::stateText() const {
    return m_stateLabel->text();
}

void ConnectionBar::onConnectClicked() {
    if (m_connected && m_urlEdit->text().trimmed() == m_current.displayUrl()) {
        Q_EMIT disconnectRequested();
        return;
    }
    auto settings = ConnectionSettings::fromUrl(m_urlEdit->text());
    if (!settings.ok()) {
        Q_EMIT errorToShow(settings.error().message);
        return;
    }
    // The URL shown hides the password as ":***": that means the password in use.
    if (settings->password == QLatin1String("***")
        && m_urlEdit->text().contains(QLatin1String(":***@")))
        settings->password = m_current.password;
    settings->readOnly = m_readOnly;
    // The URL of the last connection, unchanged (Connect after a final error, or after
    // Disconnect): the same connection, with the secrets no URL carries.
    const bool same = m_urlEdit->text().trimmed() == m_current.displayUrl();
    if (same) {
        settings->sentinel.password = m_current.sentinel.password;
        settings->tls.keyPassphrase = m_current.tls.keyPassphrase;
        settings->ssh.keyPassphrase = m_current.ssh.keyPassphrase;
    }
    // A typed URL is no saved connection; the saved one's URL unchanged still is.
    const std::optional<SavedConnection> saved =
        same && m_connections ? m_connections->find(m_connectionName) : std::nullopt;
    requestConnect(settings.value(), saved, m_connectionEdited && saved);
}

void ConnectionBar::requestConnect(const ConnectionSettings &settings,
                                   const std::optional<SavedConnection> &saved, bool edited) {
    // The tag first: the window names the connection in use as it connects.
    m_connectionEdited = edited && saved;
    showConnectionTag(saved);
    Q_EMIT connectRequested(settings);
}

void ConnectionBar::reloadSavedConnections() {
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

QString ConnectionBar::savedBoxSelection() const {
    return m_savedBox->currentData().toString();
}

void ConnectionBar::selectSaved(const QString &name) {
    const QSignalBlocker quiet(m_savedBox); // showing a choice is not making one
    m_savedBox->setCurrentIndex(0);
    for (int i = 1; i < m_savedBox->count() && !name.isEmpty(); ++i)
        if (m_savedBox->itemData(i).toString() == name)
            m_savedBox->setCurrentIndex(i);
}

void ConnectionBar::showConnectionTag(const std::optional<SavedConnection> &saved) {
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
    else
        selectSaved(saved->name);
    Q_EMIT titleChanged(title());
}

void ConnectionBar::showReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    // A saved connection used in another mode than it was saved with is changed, not saved: the
    // title says so (the box goes on naming the saved mode).
    if (!m_connectionName.isEmpty() && m_connections)
        if (const std::optional<SavedConnection> saved = m_connections->find(m_connectionName))
            if (saved->readOnly != readOnly)
                m_connectionEdited = true;
    {
        const QSignalBlocker quiet(m_readOnlyAction); // showing the mode is not changing it
        m_readOnlyAction->setChecked(readOnly);
    }
    m_readOnlyLabel->setText(readOnly ? toneHtml(Tone::Critical, tr("READ-ONLY"), true)
                                      : QString());
    Q_EMIT titleChanged(title());
}

QString ConnectionBar::title() const {
    const QString name = m_connectionName.isEmpty() ? QString()
                         : m_connectionEdited
                             ? tr("%1 (changed, not saved) - ").arg(m_connectionName)
                             : m_connectionName + QStringLiteral(" - ");
    return name + (m_readOnly ? tr("StreamScope (read-only)") : tr("StreamScope"));
}

std::optional<QString> ConnectionBar::promptPassword(QWidget *parent, const QString &connection) {
    bool ok = false;
    const QString password = QInputDialog::getText(
        parent, tr("Password"),
        tr("Password for %1 (kept in memory only: no keychain is available)").arg(connection),
        QLineEdit::Password, {}, &ok);
    return ok ? std::optional<QString>(password) : std::nullopt;
}

bool ConnectionBar::connectSaved(const QString &name) {
    if (!m_connections)
        return false;
    const std::optional<SavedConnection> saved = m_connections->find(name);
    if (!saved) {
        Q_EMIT errorToShow(tr("There is no saved connection called \"%1\".").arg(name));
        return false;
    }
    auto ask = askPassword ? askPassword : [this](const QString &connection) {
        return promptPassword(this, connection);
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
            Q_EMIT errorToShow(settings.error().message);
        return false;
    }
    ConnectionSettings s = settings.value();
    s.readOnly = saved->readOnly;
    requestConnect(s, saved, false);
    return true;
}

// A connection saved from the dialog: when it is the one in use, its mode applies at once (a
// connection saved read-only must not go on writing), and it is tagged as that connection.
void ConnectionBar::applySavedMode(const QString &name) {
    const std::optional<SavedConnection> saved =
        m_connections ? m_connections->find(name) : std::nullopt;
    if (!saved)
        return;
    const bool sameUrl = m_connected && saved->url == m_current.displayUrl(false);
    if (name != m_connectionName && !sameUrl)
        return;
    if (name != m_connectionName)
        showConnectionTag(saved);
    if (saved->readOnly != m_readOnly) {
        showReadOnly(saved->readOnly);
        Q_EMIT readOnlyToggled(saved->readOnly);
    }
}

ConnectionDialog *ConnectionBar::openDialog(ConnectionDialog::Tab tab) {
    if (m_dialog) {
        m_dialog->showTab(tab);
        m_dialog->raise();
        m_dialog->activateWindow();
        return m_dialog;
    }
    auto *dialog = new ConnectionDialog(m_connections.get(), window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    // The saved connection in use, with its secrets; else what the window connects to now (or
    // the URL typed in the field).
    bool loaded = false;
    if (!m_connectionName.isEmpty() && m_connections) {
        const std::optional<SavedConnection> saved = m_connections->find(m_connectionName);
        if (saved && saved->url == m_current.displayUrl(false)) {
            (void)dialog->loadSaved(m_connectionName); // a secret not stored is said there
            ConnectionSettings current = m_current;
            current.readOnly = m_readOnly;
            dialog->setSettings(current); // with the secrets and the mode in use
            loaded = true;
        }
    }
    if (!loaded) {
        ConnectionSettings current = m_current;
        current.readOnly = m_readOnly;
        if (!m_connected && !m_problem) {
            auto typed = ConnectionSettings::fromUrl(m_urlEdit->text());
            if (typed.ok()) {
                if (typed->password == QLatin1String("***"))
                    typed->password = m_current.password;
                typed->readOnly = m_readOnly;
                current = typed.value();
            }
        }
        dialog->setSettings(current);
    }
    dialog->showTab(tab);
    connect(dialog, &ConnectionDialog::connectRequested, this,
            [this](const ConnectionSettings &settings, const QString &savedName, bool edited) {
                // An edited production connection is still that connection: its tag stays,
                // and the title says the changes are not saved.
                requestConnect(settings,
                               m_connections && !savedName.isEmpty()
                                   ? m_connections->find(savedName)
                                   : std::nullopt,
                               edited);
            });
    connect(dialog, &ConnectionDialog::savedChanged, this,
            [this](const QString &name, bool deleted) {
                reloadSavedConnections();
                if (deleted && name == m_connectionName)
                    showConnectionTag(std::nullopt);
                if (!deleted)
                    applySavedMode(name);
                Q_EMIT savedChanged(name, deleted);
            });
    dialog->open(); // window-modal, no nested event loop
    return dialog;
}

} // namespace streamscope
