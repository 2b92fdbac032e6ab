#include "ConnectionDialog.h"

#include "Palette.h"

#include "SavedConnections.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTabBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace streamscope {

namespace {

// The colour tags a saved connection may carry (red for production, by habit).
QList<std::pair<QString, QColor>> colourTags() {
    return {{QObject::tr("No colour"), QColor()},
            {QObject::tr("Red (production)"), QColor(0xc62828)},
            {QObject::tr("Orange"), QColor(0xef6c00)},
            {QObject::tr("Green"), QColor(0x2e7d32)},
            {QObject::tr("Blue"), QColor(0x1565c0)},
            {QObject::tr("Purple"), QColor(0x6a1b9a)}};
}

QLineEdit *secretEdit(const QString &placeholder) {
    auto *edit = new QLineEdit;
    edit->setEchoMode(QLineEdit::Password);
    edit->setPlaceholderText(placeholder);
    return edit;
}

QString keychainNote() {
    return QObject::tr("kept in the system keychain, never in a file");
}

// Where the check found a problem: the tab to show and what to say.
struct Problem {
    ConnectionDialog::Tab tab;
    QString message;
};

// A file the user named must be there (and be a file): said with the field's name.
std::optional<QString> missingFile(const QString &path, const QString &what) {
    if (path.isEmpty())
        return std::nullopt;
    const QFileInfo info(path);
    if (!info.exists())
        return QObject::tr("the %1 %2 does not exist").arg(what, path);
    if (!info.isFile())
        return QObject::tr("the %1 %2 is not a file").arg(what, path);
    if (!info.isReadable())
        return QObject::tr("the %1 %2 cannot be read (permissions)").arg(what, path);
    return std::nullopt;
}

} // namespace

ConnectionDialog::ConnectionDialog(ConnectionStore *store, QWidget *parent)
    : QDialog(parent)
    , m_store(store) {
    setWindowTitle(tr("Connection"));
    setObjectName(QStringLiteral("connectionDialog"));

    m_url = new QLineEdit;
    m_url->setObjectName(QStringLiteral("url"));
    m_url->setPlaceholderText(QStringLiteral("redis://[user:password@]host:port[/db]"));
    m_url->setToolTip(tr("The whole connection as a URL: redis://, rediss:// (TLS), unix://, "
                         "redis+sentinel://HOST:PORT[,HOST:PORT]/MASTER, with ?cacert=, cert=, "
                         "key=, sni=, insecure, ssh=USER@HOST:PORT, ssh-key=... Typing one fills "
                         "every tab; changing a tab writes it here (never a password)."));
    connect(m_url, &QLineEdit::editingFinished, this, &ConnectionDialog::applyUrl);

    m_tabs = new QTabWidget;
    m_tabs->addTab(buildServerTab(), tr("Server"));
    m_tabs->addTab(buildTlsTab(), tr("TLS"));
    m_tabs->addTab(buildSentinelTab(), tr("Sentinel"));
    m_tabs->addTab(buildSshTab(), tr("SSH"));

    m_problem = new QLabel;
    m_problem->setObjectName(QStringLiteral("problem"));
    m_problem->setWordWrap(true);
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Delete apart on the left; Save beside Connect (the default) on the right.
    m_delete = new QPushButton(tr("Delete"));
    m_delete->setToolTip(tr("Delete the saved connection of this name"));
    m_save = new QPushButton(tr("Save"));
    m_save->setToolTip(tr("Save as a saved connection under its name: the URL and files in the "
                          "settings, every password and passphrase in the system keychain"));
    m_connect = new QPushButton(tr("Connect"));
    m_connect->setDefault(true);
    auto *close = new QPushButton(tr("Close"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_delete);
    buttons->addStretch();
    buttons->addWidget(m_save);
    buttons->addWidget(m_connect);
    buttons->addWidget(close);
    m_save->setEnabled(m_store != nullptr);
    m_delete->setEnabled(false);
    connect(m_connect, &QPushButton::clicked, this, &ConnectionDialog::connectClicked);
    connect(m_save, &QPushButton::clicked, this, &ConnectionDialog::saveClicked);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const QString saved = name();
        if (!m_store || !m_store->find(saved))
            return;
        m_store->remove(saved);
        m_loadedName.clear();
        m_loaded.reset();
        Q_EMIT savedChanged(saved, true);
        refresh();
        m_problem->setText(tr("Deleted the saved connection \"%1\".").arg(saved));
    });

    auto *urlRow = new QHBoxLayout;
    urlRow->addWidget(new QLabel(tr("URL")));
    urlRow->addWidget(m_url, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(urlRow);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_problem);
    layout->addLayout(buttons);

    setSettings(ConnectionSettings());
    resize(620, 480);
}

QWidget *ConnectionDialog::buildServerTab() {
    auto *page = new QWidget;
    m_transport = new QComboBox;
    m_transport->setObjectName(QStringLiteral("transport"));
    m_transport->addItem(tr("TCP (host and port)"));
    m_transport->addItem(tr("Unix socket"));
    m_host = new QLineEdit;
    m_host->setObjectName(QStringLiteral("host"));
    m_port = new QSpinBox;
    m_port->setObjectName(QStringLiteral("port"));
    m_port->setRange(1, 65535);
    m_socket = new QLineEdit;
    m_socket->setObjectName(QStringLiteral("socket"));
    m_socket->setPlaceholderText(QStringLiteral("/run/redis/redis-server.sock"));
    m_db = new QSpinBox;
    m_db->setObjectName(QStringLiteral("db"));
    m_db->setRange(0, 65535);
    m_user = new QLineEdit;
    m_user->setObjectName(QStringLiteral("user"));
    m_user->setPlaceholderText(tr("empty: the default user"));
    m_password = secretEdit(keychainNote());
    m_password->setObjectName(QStringLiteral("password"));
    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("name"));
    m_name->setPlaceholderText(tr("to save it, e.g. production"));
    m_colour = new QComboBox;
    m_colour->setObjectName(QStringLiteral("colour"));
    for (const auto &[label, c] : colourTags()) {
        QPixmap swatch(12, 12);
        swatch.fill(c.isValid() ? c : Qt::transparent);
        m_colour->addItem(QIcon(swatch), label, c);
    }
    m_readOnly = new QCheckBox(tr("Read-only: never send anything that changes data"));
    m_readOnly->setObjectName(QStringLiteral("readOnly"));
    m_serverNote = new QLabel;
    m_serverNote->setWordWrap(true);

    auto *form = new QFormLayout(page);
    form->addRow(tr("Connect over"), m_transport);
    form->addRow(tr("Host"), m_host);
    form->addRow(tr("Port"), m_port);
    form->addRow(tr("Socket"), m_socket);
    form->addRow(tr("Database"), m_db);
    form->addRow(tr("User"), m_user);
    form->addRow(tr("Password"), m_password);
    form->addRow(m_serverNote);
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Colour tag"), m_colour);
    form->addRow(QString(), m_readOnly);

    for (QLineEdit *e : {m_host, m_socket, m_user, m_password, m_name})
        connect(e, &QLineEdit::textChanged, this, &ConnectionDialog::refresh);
    for (QSpinBox *s : {m_port, m_db})
        connect(s, &QSpinBox::valueChanged, this, &ConnectionDialog::refresh);
    for (QComboBox *c : {m_transport, m_colour})
        connect(c, &QComboBox::currentIndexChanged, this, &ConnectionDialog::refresh);
    connect(m_readOnly, &QCheckBox::toggled, this, &ConnectionDialog::refresh);
    return page;
}

QWidget *ConnectionDialog::withBrowse(QLineEdit *edit, bool directory, const QString &title) {
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto *browse = new QPushButton(tr("Browse..."));
    browse->setObjectName(edit->objectName() + QStringLiteral("Browse"));
    layout->addWidget(browse);
    connect(browse, &QPushButton::clicked, this, [this, edit, directory, title] {
        const QString start =
            edit->text().isEmpty() ? QDir::homePath() : QFileInfo(edit->text()).absolutePath();
        const QString chosen = directory ? QFileDialog::getExistingDirectory(this, title, start)
                                         : QFileDialog::getOpenFileName(this, title, start);
        if (!chosen.isEmpty())
            edit->setText(chosen);
    });
    connect(edit, &QLineEdit::textChanged, this, &ConnectionDialog::refresh);
    return row;
}

QWidget *ConnectionDialog::buildTlsTab() {
    auto *page = new QWidget;
    m_useTls = new QCheckBox(tr("Use TLS (rediss://)"));
    m_useTls->setObjectName(QStringLiteral("useTls"));
    m_caFile = new QLineEdit;
    m_caFile->setObjectName(QStringLiteral("caFile"));
    m_caFile->setPlaceholderText(tr("empty: the system's CA store"));
    m_caDir = new QLineEdit;
    m_caDir->setObjectName(QStringLiteral("caDir"));
    m_certFile = new QLineEdit;
    m_certFile->setObjectName(QStringLiteral("certFile"));
    m_certFile->setPlaceholderText(tr("for servers with tls-auth-clients (PEM)"));
    m_keyFile = new QLineEdit;
    m_keyFile->setObjectName(QStringLiteral("keyFile"));
    m_keyFile->setPlaceholderText(tr("the client certificate's private key (PEM)"));
    m_keyPassphrase = secretEdit(tr("when the key is encrypted; ") + keychainNote());
    m_keyPassphrase->setObjectName(QStringLiteral("keyPassphrase"));
    m_sni = new QLineEdit;
    m_sni->setObjectName(QStringLiteral("sni"));
    m_sni->setPlaceholderText(tr("empty: the host name"));
    m_sni->setToolTip(tr("The server name to ask for and to verify the certificate against, "
                         "when it is not the host you connect to (an IP address, a tunnel)"));
    m_verifyPeer = new QCheckBox(tr("Verify the server's certificate"));
    m_verifyPeer->setObjectName(QStringLiteral("verifyPeer"));
    m_verifyPeer->setToolTip(tr("Off is --insecure: anyone between you and the server can read "
                                "and change what is sent, passwords included"));

    m_tlsFields = new QWidget;
    auto *form = new QFormLayout(m_tlsFields);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("CA file"), withBrowse(m_caFile, false, tr("CA certificate file")));
    form->addRow(tr("CA directory"), withBrowse(m_caDir, true, tr("CA certificate directory")));
    form->addRow(tr("Client certificate"),
                 withBrowse(m_certFile, false, tr("Client certificate (PEM)")));
    form->addRow(tr("Key"), withBrowse(m_keyFile, false, tr("Client key (PEM)")));
    form->addRow(tr("Key passphrase"), m_keyPassphrase);
    form->addRow(tr("Server name (SNI)"), m_sni);
    form->addRow(QString(), m_verifyPeer);

    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_useTls);
    layout->addWidget(m_tlsFields);
    layout->addStretch();
    for (QLineEdit *e : {m_keyPassphrase, m_sni})
        connect(e, &QLineEdit::textChanged, this, &ConnectionDialog::refresh);
    for (QCheckBox *c : {m_useTls, m_verifyPeer})
        connect(c, &QCheckBox::toggled, this, &ConnectionDialog::refresh);
    return page;
}

QWidget *ConnectionDialog::buildSentinelTab() {
    auto *page = new QWidget;
    m_sentinels = new QPlainTextEdit;
    m_sentinels->setObjectName(QStringLiteral("sentinels"));
    m_sentinels->setPlaceholderText(tr("one HOST:PORT a line (port 26379 by default)"));
    m_sentinels->setTabChangesFocus(true);
    m_sentinels->setMaximumHeight(m_sentinels->fontMetrics().height() * 6);
    m_master = new QLineEdit;
    m_master->setObjectName(QStringLiteral("master"));
    m_master->setPlaceholderText(tr("the name the sentinels know the primary by, e.g. mymaster"));
    m_sentinelUser = new QLineEdit;
    m_sentinelUser->setObjectName(QStringLiteral("sentinelUser"));
    m_sentinelUser->setPlaceholderText(tr("when the sentinels have ACL users of their own"));
    m_sentinelPassword = secretEdit(tr("the sentinels' own; ") + keychainNote());
    m_sentinelPassword->setObjectName(QStringLiteral("sentinelPassword"));
    auto *note = new QLabel(tr("Through Sentinel, StreamScope asks the sentinels for the primary "
                               "and follows failovers; the Server tab's user and password are "
                               "the data nodes'."));
    note->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("Sentinels"), m_sentinels);
    form->addRow(tr("Master name"), m_master);
    form->addRow(tr("Sentinel user"), m_sentinelUser);
    form->addRow(tr("Sentinel password"), m_sentinelPassword);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(note);
    layout->addLayout(form);
    layout->addStretch();
    connect(m_sentinels, &QPlainTextEdit::textChanged, this, &ConnectionDialog::refresh);
    for (QLineEdit *e : {m_master, m_sentinelUser, m_sentinelPassword})
        connect(e, &QLineEdit::textChanged, this, &ConnectionDialog::refresh);
    return page;
}

QWidget *ConnectionDialog::buildSshTab() {
    auto *page = new QWidget;
    m_sshHost = new QLineEdit;
    m_sshHost->setObjectName(QStringLiteral("sshHost"));
    m_sshHost->setPlaceholderText(tr("empty: no tunnel; e.g. bastion.example.com"));
    m_sshPort = new QSpinBox;
    m_sshPort->setObjectName(QStringLiteral("sshPort"));
    m_sshPort->setRange(1, 65535);
    m_sshUser = new QLineEdit;
    m_sshUser->setObjectName(QStringLiteral("sshUser"));
    m_sshUser->setPlaceholderText(tr("empty: your local user name"));
    m_sshKey = new QLineEdit;
    m_sshKey->setObjectName(QStringLiteral("sshKey"));
    m_sshKey->setPlaceholderText(tr("empty: the SSH agent, then ~/.ssh's keys"));
    m_sshPassphrase = secretEdit(tr("when the key is encrypted; ") + keychainNote());
    m_sshPassphrase->setObjectName(QStringLiteral("sshPassphrase"));
    m_knownHosts = new QLineEdit;
    m_knownHosts->setObjectName(QStringLiteral("knownHosts"));
    m_knownHosts->setPlaceholderText(tr("empty: ~/.ssh/known_hosts"));
    auto *note = new QLabel(tr("Every server (each cluster node, the sentinels and the primary "
                               "they name) is reached through a forward from this SSH server. "
                               "Its host key is checked against known_hosts."));
    note->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("SSH host"), m_sshHost);
    form->addRow(tr("SSH port"), m_sshPort);
    form->addRow(tr("SSH user"), m_sshUser);
    form->addRow(tr("Private key"), withBrowse(m_sshKey, false, tr("SSH private key")));
    form->addRow(tr("Key passphrase"), m_sshPassphrase);
    form->addRow(tr("known_hosts"), withBrowse(m_knownHosts, false, tr("known_hosts file")));
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(note);
    layout->addLayout(form);
    layout->addStretch();
    for (QLineEdit *e : {m_sshHost, m_sshUser, m_sshPassphrase})
        connect(e, &QLineEdit::textChanged, this, &ConnectionDialog::refresh);
    connect(m_sshPort, &QSpinBox::valueChanged, this, &ConnectionDialog::refresh);
    return page;
}

void ConnectionDialog::setSettings(const ConnectionSettings &s) {
    m_filling = true;
    const bool unix = s.transport == ConnectionSettings::Transport::Unix;
    m_transport->setCurrentIndex(unix ? 1 : 0);
    m_host->setText(unix ? QString() : s.host);
    m_port->setValue(s.port ? s.port : 6379);
    m_socket->setText(s.socketPath);
    m_db->setValue(s.db);
    m_user->setText(s.user);
    m_password->setText(s.password);
    m_readOnly->setChecked(s.readOnly);

    m_useTls->setChecked(s.transport == ConnectionSettings::Transport::Tls);
    m_caFile->setText(s.tls.caFile);
    m_caDir->setText(s.tls.caDir);
    m_certFile->setText(s.tls.certFile);
    m_keyFile->setText(s.tls.keyFile);
    m_keyPassphrase->setText(s.tls.keyPassphrase);
    m_sni->setText(s.tls.sni);
    m_verifyPeer->setChecked(s.tlsVerifyPeer);

    QStringList sentinels;
    for (const ConnectionSettings::HostPort &h : s.sentinel.sentinels)
        sentinels << h.toString();
    m_sentinels->setPlainText(sentinels.join(QLatin1Char('\n')));
    m_master->setText(s.sentinel.masterName);
    m_sentinelUser->setText(s.sentinel.user);
    m_sentinelPassword->setText(s.sentinel.password);

    m_sshHost->setText(s.ssh.host);
    m_sshPort->setValue(s.ssh.port ? s.ssh.port : 22);
    m_sshUser->setText(s.ssh.user);
    m_sshKey->setText(s.ssh.keyFile);
    m_sshPassphrase->setText(s.ssh.keyPassphrase);
    m_knownHosts->setText(s.ssh.knownHostsFile);
    m_filling = false;
    refresh();
}

Result<ConnectionSettings> ConnectionDialog::settings() const {
    ConnectionSettings s;
    std::optional<Problem> problem;
    auto fail = [&problem](Tab tab, const QString &message) {
        if (!problem)
            problem = Problem{tab, message};
    };

    const bool unix = m_transport->currentIndex() == 1;
    const bool tls = m_useTls->isChecked();
    s.transport = unix  ? ConnectionSettings::Transport::Unix
                  : tls ? ConnectionSettings::Transport::Tls
                        : ConnectionSettings::Transport::Tcp;
    s.host = m_host->text().trimmed();
    s.port = quint16(m_port->value());
    s.db = m_db->value();
    s.user = m_user->text();
    s.password = m_password->text();
    s.readOnly = m_readOnly->isChecked();

    // Sentinel first: through it, the server's address is the sentinels'.
    for (const QString &line : m_sentinels->toPlainText().split(
             QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts)) {
        auto at = ConnectionSettings::parseHostPort(line, 26379);
        if (!at.ok())
            fail(SentinelTab, tr("Sentinel: %1").arg(at.error().message));
        else
            s.sentinel.sentinels << at.value();
    }
    s.sentinel.masterName = m_master->text().trimmed();
    s.sentinel.user = m_sentinelUser->text();
    s.sentinel.password = m_sentinelPassword->text();
    if (s.viaSentinel() && s.sentinel.masterName.isEmpty())
        fail(SentinelTab, tr("Sentinel: give the master's name (the name the sentinels know the "
                             "primary by, e.g. mymaster)."));
    if (!s.viaSentinel() && !s.sentinel.masterName.isEmpty())
        fail(SentinelTab, tr("Sentinel: give the sentinels to ask for %1 (HOST:PORT, one a line).")
                              .arg(s.sentinel.masterName));
    if (!s.viaSentinel() && (!s.sentinel.user.isEmpty() || !s.sentinel.password.isEmpty()))
        fail(SentinelTab, tr("Sentinel: a sentinel user or password without sentinels."));
    if (s.viaSentinel()) {
        s.host = s.sentinel.sentinels.first().host;
        s.port = s.sentinel.sentinels.first().port;
    }

    if (unix) {
        s.socketPath = m_socket->text().trimmed();
        s.host.clear();
        s.port = 0;
        if (s.socketPath.isEmpty())
            fail(ServerTab, tr("Server: give the socket's path."));
        if (tls)
            fail(TlsTab, tr("TLS: a Unix socket has no TLS; connect over TCP to use TLS."));
        if (s.viaSentinel())
            fail(SentinelTab, tr("Sentinel: the sentinels are reached over TCP, not a Unix socket "
                                 "(choose TCP on the Server tab)."));
    } else if (s.host.isEmpty()) {
        fail(ServerTab, tr("Server: give the host."));
    }

    if (tls) {
        s.tls.caFile = m_caFile->text().trimmed();
        s.tls.caDir = m_caDir->text().trimmed();
        s.tls.certFile = m_certFile->text().trimmed();
        s.tls.keyFile = m_keyFile->text().trimmed();
        s.tls.keyPassphrase = m_keyPassphrase->text();
        s.tls.sni = m_sni->text().trimmed();
        s.tlsVerifyPeer = m_verifyPeer->isChecked();
        if (auto missing = missingFile(s.tls.caFile, tr("CA file")))
            fail(TlsTab, tr("TLS: %1.").arg(*missing));
        if (!s.tls.caDir.isEmpty() && !QFileInfo(s.tls.caDir).isDir())
            fail(TlsTab, tr("TLS: the CA directory %1 is not a directory.").arg(s.tls.caDir));
        if (s.tls.certFile.isEmpty() != s.tls.keyFile.isEmpty())
            fail(TlsTab, s.tls.keyFile.isEmpty()
                             ? tr("TLS: a client certificate needs its key: give the key file too.")
                             : tr("TLS: a key needs its client certificate: give the certificate "
                                  "file too."));
        if (auto missing = missingFile(s.tls.certFile, tr("client certificate")))
            fail(TlsTab, tr("TLS: %1.").arg(*missing));
        if (auto missing = missingFile(s.tls.keyFile, tr("key file")))
            fail(TlsTab, tr("TLS: %1.").arg(*missing));
        if (!s.tls.keyPassphrase.isEmpty() && s.tls.keyFile.isEmpty())
            fail(TlsTab, tr("TLS: a key passphrase without a key file."));
    }

    s.ssh.host = m_sshHost->text().trimmed();
    s.ssh.port = quint16(m_sshPort->value());
    s.ssh.user = m_sshUser->text().trimmed();
    s.ssh.keyFile = m_sshKey->text().trimmed();
    s.ssh.keyPassphrase = m_sshPassphrase->text();
    s.ssh.knownHostsFile = m_knownHosts->text().trimmed();
    if (!s.viaSsh()) {
        if (!s.ssh.user.isEmpty() || !s.ssh.keyFile.isEmpty() || !s.ssh.keyPassphrase.isEmpty()
            || !s.ssh.knownHostsFile.isEmpty())
            fail(SshTab, tr("SSH: give the SSH server's host (or clear the SSH fields)."));
        s.ssh = ConnectionSettings::Ssh();
    } else {
        if (unix)
            fail(SshTab, tr("SSH: a tunnel leads to a TCP server, not a Unix socket."));
        if (auto missing = missingFile(s.ssh.keyFile, tr("SSH key")))
            fail(SshTab, tr("SSH: %1.").arg(*missing));
        if (!s.ssh.keyPassphrase.isEmpty() && s.ssh.keyFile.isEmpty())
            fail(SshTab, tr("SSH: a key passphrase without a key file."));
        // known_hosts may not be there yet (trusting a host key writes it), its folder must.
        if (!s.ssh.knownHostsFile.isEmpty()) {
            const QFileInfo known(s.ssh.knownHostsFile);
            if (known.exists() && !known.isFile())
                fail(SshTab,
                     tr("SSH: the known_hosts %1 is not a file.").arg(s.ssh.knownHostsFile));
            else if (!known.exists() && !known.absoluteDir().exists())
                fail(SshTab, tr("SSH: the folder of the known_hosts file %1 does not exist.")
                                 .arg(s.ssh.knownHostsFile));
        }
    }

    if (problem)
        return Error(Error::Kind::InvalidArgument, problem->message);
    // What is saved is the URL (and the secrets beside it): the settings are what it reads back
    // as, so that a saved connection connects exactly as the dialog did.
    auto back = ConnectionSettings::fromUrl(s.displayUrl(false));
    if (!back.ok())
        return Error(Error::Kind::InvalidArgument, tr("Server: %1").arg(back.error().message));
    back->password = s.password;
    back->sentinel.password = s.sentinel.password;
    back->tls.keyPassphrase = s.tls.keyPassphrase;
    back->ssh.keyPassphrase = s.ssh.keyPassphrase;
    back->readOnly = s.readOnly;
    return back;
}

void ConnectionDialog::applyUrl() {
    const QString text = m_url->text().trimmed();
    auto current = settings();
    if (current.ok() && text == current->displayUrl())
        return; // nothing typed
    auto parsed = ConnectionSettings::fromUrl(text);
    if (!parsed.ok()) {
        showProblem(tr("URL: %1").arg(parsed.error().message));
        return;
    }
    ConnectionSettings s = parsed.value();
    // The URL shows a password as ":***" and never carries a passphrase: those stay as typed.
    if (s.password.isEmpty() || s.password == QLatin1String("***"))
        s.password = m_password->text();
    s.tls.keyPassphrase = m_keyPassphrase->text();
    s.ssh.keyPassphrase = m_sshPassphrase->text();
    if (s.sentinel.password.isEmpty())
        s.sentinel.password = m_sentinelPassword->text();
    s.readOnly = m_readOnly->isChecked();
    setSettings(s);
}

void ConnectionDialog::refresh() {
    if (m_filling)
        return;
    const bool unix = m_transport->currentIndex() == 1;
    const bool sentinel = !m_sentinels->toPlainText().trimmed().isEmpty();
    m_host->setEnabled(!unix && !sentinel);
    m_port->setEnabled(!unix && !sentinel);
    m_socket->setEnabled(unix);
    m_tlsFields->setEnabled(m_useTls->isChecked());
    m_serverNote->setText(sentinel ? tr("Through Sentinel: the host is the primary the sentinels "
                                        "name (Sentinel tab).")
                                   : QString());
    m_serverNote->setVisible(sentinel);
    if (m_store)
        m_delete->setEnabled(m_store->find(name()).has_value());

    auto s = settings();
    if (!m_url->hasFocus() && s.ok()) {
        m_url->setText(s->displayUrl());
        m_url->setCursorPosition(0); // its start says what it is
    }
    showProblem(s.ok() ? QString() : s.error().message);
}

void ConnectionDialog::showProblem(const QString &problem) {
    m_problem->setProperty("problem", problem);
    m_problem->setText(problem.isEmpty() ? QString() : toneHtml(Tone::Critical, problem));
    // The tab the problem is on is marked.
    const QStringList prefixes{tr("Server:"), tr("TLS:"), tr("Sentinel:"), tr("SSH:")};
    for (int i = 0; i < m_tabs->count(); ++i)
        m_tabs->tabBar()->setTabTextColor(
            i, problem.startsWith(prefixes.value(i)) ? toneColour(Tone::Critical) : QColor());
}

QString ConnectionDialog::problem() const {
    return m_problem->property("problem").toString();
}

QString ConnectionDialog::urlText() const {
    return m_url->text();
}

void ConnectionDialog::setName(const QString &name) {
    m_name->setText(name);
}

QString ConnectionDialog::name() const {
    return m_name->text().trimmed();
}

void ConnectionDialog::setColour(const QColor &colour) {
    const int index = m_colour->findData(colour);
    m_colour->setCurrentIndex(index < 0 ? 0 : index);
}

QColor ConnectionDialog::colour() const {
    return m_colour->currentData().value<QColor>();
}

void ConnectionDialog::showTab(Tab tab) {
    m_tabs->setCurrentIndex(int(tab));
}

ConnectionDialog::Tab ConnectionDialog::currentTab() const {
    return Tab(m_tabs->currentIndex());
}

Error ConnectionDialog::loadSaved(const QString &savedName) {
    if (!m_store)
        return Error(Error::Kind::InvalidArgument, tr("No saved connections here."));
    const std::optional<SavedConnection> saved = m_store->find(savedName);
    if (!saved)
        return Error(Error::Kind::InvalidArgument,
                     tr("There is no saved connection called \"%1\".").arg(savedName));
    auto s = m_store->settingsWithSecrets(*saved, ConnectionStore::AskSecret());
    Error note;
    if (!s.ok()) {
        // A secret not stored here (no keychain): the rest is shown, the secret is typed.
        note = s.error();
        s = ConnectionSettings::fromUrl(saved->url);
        if (!s.ok())
            return s.error();
        s->readOnly = saved->readOnly;
    }
    setSettings(s.value());
    setName(saved->name);
    setColour(saved->colour);
    m_loadedName = saved->name;
    m_loaded = s.value();
    m_loadedColour = saved->colour;
    if (note)
        m_problem->setText(note.message);
    return note;
}

bool ConnectionDialog::isUnchangedSaved() const {
    auto s = settings();
    return m_loaded && s.ok() && s.value() == *m_loaded && name() == m_loadedName;
}

void ConnectionDialog::connectClicked() {
    auto s = settings();
    if (!s.ok()) {
        showProblem(s.error().message);
        const QStringList prefixes{tr("Server:"), tr("TLS:"), tr("Sentinel:"), tr("SSH:")};
        for (int i = 0; i < prefixes.size(); ++i)
            if (s.error().message.startsWith(prefixes.at(i)))
                showTab(Tab(i));
        return;
    }
    const bool fromSaved = m_loaded && !m_loadedName.isEmpty() && name() == m_loadedName;
    Q_EMIT connectRequested(s.value(), fromSaved ? m_loadedName : QString(),
                            fromSaved && !isUnchangedSaved());
    accept();
}

bool ConnectionDialog::saveClicked() {
    if (!m_store)
        return false;
    if (name().isEmpty()) {
        showProblem(tr("Server: give the connection a name to save it."));
        showTab(ServerTab);
        m_name->setFocus();
        return false;
    }
    auto s = settings();
    if (!s.ok()) {
        showProblem(s.error().message);
        return false;
    }
    QString note;
    if (Error e = m_store->saveSettings(name(), s.value(), colour(), &note)) {
        showProblem(e.message);
        return false;
    }
    m_loadedName = name();
    m_loaded = s.value();
    m_loadedColour = colour();
    m_delete->setEnabled(true);
    Q_EMIT savedChanged(m_loadedName, false);
    m_problem->setText(note.isEmpty() ? tr("Saved as \"%1\": the passwords and passphrases are in "
                                           "the system keychain.")
                                            .arg(m_loadedName)
                                      : tr("Saved as \"%1\". %2").arg(m_loadedName, note));
    return true;
}

} // namespace streamscope
