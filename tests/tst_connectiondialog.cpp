// The connection dialog and what the window does with production deployments: the dialog's
// tabs (server, TLS, Sentinel, SSH) build the right settings and URL and read them back, checks
// in place, saved connections keep every secret out of the settings file, the status bar's role
// texts, final errors (certificate, host key, authentication) stop the retries and say how to
// fix them, forbidden actions are disabled with the reason, and the GUI's connection flags.
#include "ConnectionDialog.h"
#include "ConnectionProblem.h"
#include "GroupsPanel.h"
#include "LocalRedisSentinel.h"
#include "MainWindow.h"
#include "PublishView.h"
#include "SavedConnections.h"
#include "StreamBrowser.h"
#include "StreamListModel.h"
#include "TestRedis.h"
#include "TestSsh.h"
#include "TestTls.h"
#include "TopologyView.h"

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace streamscope;
using namespace streamscope::test;

namespace {

template <typename T> T *field(QWidget *dialog, const char *name) {
    T *w = dialog->findChild<T *>(QString::fromLatin1(name));
    if (!w)
        qFatal("no field %s", name);
    return w;
}

void setText(QWidget *dialog, const char *name, const QString &text) {
    field<QLineEdit>(dialog, name)->setText(text);
}

QPushButton *buttonNamed(QWidget *parent, const QString &text) {
    for (QPushButton *b : parent->findChildren<QPushButton *>())
        if (b->text() == text)
            return b;
    return nullptr;
}

qint64 infoField(RedisConnection &connection, const QByteArray &section, const QByteArray &name) {
    const RedisReply info = run(connection, {"INFO", section});
    for (const QByteArray &line : info.bytes().split('\n'))
        if (line.startsWith(name + ':'))
            return line.mid(name.size() + 1).trimmed().toLongLong();
    return -1;
}

} // namespace

class TestConnectionDialog : public QObject {
    Q_OBJECT
private:
    QString file(const QString &name) {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.exists() && f.open(QIODevice::WriteOnly))
            f.write("-----BEGIN TEST-----\n");
        return path;
    }
    void shot(QWidget *widget, const QString &name) {
        const QString dir = QDir::temp().filePath(QStringLiteral("streamscope-shots"));
        QDir().mkpath(dir);
        QVERIFY(widget->grab().save(dir + QLatin1Char('/') + name, "PNG"));
    }
    // Everything a production connection may carry: TLS with a client certificate, an SSH
    // tunnel, a user and all the secrets.
    ConnectionSettings everything() {
        ConnectionSettings s;
        s.transport = ConnectionSettings::Transport::Tls;
        s.host = QStringLiteral("redis.prod");
        s.port = 6380;
        s.db = 2;
        s.user = QStringLiteral("monitor");
        s.password = QStringLiteral("pw-%1").arg(QUuid::createUuid().toString(QUuid::Id128));
        s.tls.caFile = file(QStringLiteral("ca.crt"));
        s.tls.certFile = file(QStringLiteral("client.crt"));
        s.tls.keyFile = file(QStringLiteral("client.key"));
        s.tls.keyPassphrase =
            QStringLiteral("tlspp-%1").arg(QUuid::createUuid().toString(QUuid::Id128));
        s.tls.sni = QStringLiteral("redis.internal");
        s.ssh.host = QStringLiteral("bastion.example.com");
        s.ssh.port = 2222;
        s.ssh.user = QStringLiteral("ops");
        s.ssh.keyFile = file(QStringLiteral("id_ed25519"));
        s.ssh.keyPassphrase =
            QStringLiteral("sshpp-%1").arg(QUuid::createUuid().toString(QUuid::Id128));
        s.ssh.knownHostsFile = file(QStringLiteral("known_hosts"));
        s.readOnly = true;
        return s;
    }
    ConnectionSettings viaSentinel() {
        ConnectionSettings s;
        s.sentinel.sentinels = {{QStringLiteral("10.0.0.1"), 26379},
                                {QStringLiteral("10.0.0.2"), 26380}};
        s.sentinel.masterName = QStringLiteral("mymaster");
        s.sentinel.user = QStringLiteral("sentinel-user");
        s.sentinel.password =
            QStringLiteral("sentpw-%1").arg(QUuid::createUuid().toString(QUuid::Id128));
        s.host = QStringLiteral("10.0.0.1");
        s.port = 26379;
        s.password = QStringLiteral("datapw");
        s.db = 1;
        return s;
    }

private Q_SLOTS:
    void initTestCase() {
        registerCoreMetaTypes();
        QVERIFY(m_dir.isValid());
        STREAMSCOPE_START_REDIS(m_server);
        if (const Error e = m_certs.make())
            QFAIL(qPrintable(e.message));
    }

    // Fields typed into the tabs make the settings, and the URL shown says them (no secret).
    void tabsBuildTheSettings() {
        ConnectionDialog dialog(nullptr);
        setText(&dialog, "host", QStringLiteral("redis.prod"));
        field<QSpinBox>(&dialog, "port")->setValue(6380);
        field<QSpinBox>(&dialog, "db")->setValue(2);
        setText(&dialog, "user", QStringLiteral("monitor"));
        setText(&dialog, "password", QStringLiteral("secret"));
        field<QCheckBox>(&dialog, "useTls")->setChecked(true);
        setText(&dialog, "caFile", file(QStringLiteral("ca.crt")));
        setText(&dialog, "certFile", file(QStringLiteral("client.crt")));
        setText(&dialog, "keyFile", file(QStringLiteral("client.key")));
        setText(&dialog, "keyPassphrase", QStringLiteral("tls-pp"));
        setText(&dialog, "sni", QStringLiteral("redis.internal"));
        setText(&dialog, "sshHost", QStringLiteral("bastion"));
        field<QSpinBox>(&dialog, "sshPort")->setValue(2222);
        setText(&dialog, "sshUser", QStringLiteral("ops"));
        setText(&dialog, "sshKey", file(QStringLiteral("id_ed25519")));
        setText(&dialog, "sshPassphrase", QStringLiteral("ssh-pp"));
        QCOMPARE(dialog.problem(), QString());
        auto s = dialog.settings();
        QVERIFY2(s.ok(), qPrintable(s.error().message));
        QCOMPARE(s->transport, ConnectionSettings::Transport::Tls);
        QCOMPARE(s->host, QStringLiteral("redis.prod"));
        QCOMPARE(s->port, quint16(6380));
        QCOMPARE(s->db, 2);
        QCOMPARE(s->user, QStringLiteral("monitor"));
        QCOMPARE(s->password, QStringLiteral("secret"));
        QCOMPARE(s->tls.caFile, file(QStringLiteral("ca.crt")));
        QCOMPARE(s->tls.certFile, file(QStringLiteral("client.crt")));
        QCOMPARE(s->tls.keyFile, file(QStringLiteral("client.key")));
        QCOMPARE(s->tls.keyPassphrase, QStringLiteral("tls-pp"));
        QCOMPARE(s->tls.sni, QStringLiteral("redis.internal"));
        QVERIFY(s->tlsVerifyPeer);
        QCOMPARE(s->ssh.host, QStringLiteral("bastion"));
        QCOMPARE(s->ssh.port, quint16(2222));
        QCOMPARE(s->ssh.user, QStringLiteral("ops"));
        QCOMPARE(s->ssh.keyPassphrase, QStringLiteral("ssh-pp"));
        const QString url = dialog.urlText();
        QVERIFY2(url.startsWith(QLatin1String("rediss://monitor:***@redis.prod:6380/2?")),
                 qPrintable(url));
        for (const char *part :
             {"cacert=", "cert=", "key=", "sni=redis.internal", "ssh=ops@bastion:2222", "ssh-key="})
            QVERIFY2(url.contains(QLatin1String(part)), qPrintable(url));
        for (const char *secret : {"secret", "tls-pp", "ssh-pp"})
            QVERIFY2(!url.contains(QLatin1String(secret)), qPrintable(url));

        // Sentinel: the sentinels, one a line, and the master.
        ConnectionDialog sentinel(nullptr);
        field<QPlainTextEdit>(&sentinel, "sentinels")
            ->setPlainText(QStringLiteral("10.0.0.1:26379\n10.0.0.2"));
        setText(&sentinel, "master", QStringLiteral("mymaster"));
        auto t = sentinel.settings();
        QVERIFY2(t.ok(), qPrintable(t.error().message));
        QVERIFY(t->viaSentinel());
        QCOMPARE(t->sentinel.sentinels.size(), 2);
        QCOMPARE(t->sentinel.sentinels.at(1).port, quint16(26379));
        QCOMPARE(t->sentinel.masterName, QStringLiteral("mymaster"));
        QVERIFY2(sentinel.urlText().startsWith(
                     QLatin1String("redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster")),
                 qPrintable(sentinel.urlText()));
        shot(&dialog, QStringLiteral("dialog-server.png"));
        for (auto tab : {ConnectionDialog::TlsTab, ConnectionDialog::SshTab}) {
            dialog.showTab(tab);
            shot(&dialog, QStringLiteral("dialog-tab%1.png").arg(int(tab)));
        }
        sentinel.showTab(ConnectionDialog::SentinelTab);
        shot(&sentinel, QStringLiteral("dialog-sentinel.png"));
    }

    // Every field comes back as it was set, secrets included; and a URL typed fills the tabs.
    void fieldsReadBack() {
        for (const ConnectionSettings &s : {everything(), viaSentinel()}) {
            ConnectionDialog dialog(nullptr);
            dialog.setSettings(s);
            auto back = dialog.settings();
            QVERIFY2(back.ok(), qPrintable(back.error().message));
            QVERIFY2(back.value() == s, qPrintable(back->displayUrl()));
            QCOMPARE(back->password, s.password);
            QCOMPARE(back->tls.keyPassphrase, s.tls.keyPassphrase);
            QCOMPARE(back->ssh.keyPassphrase, s.ssh.keyPassphrase);
            QCOMPARE(back->sentinel.password, s.sentinel.password);
            QCOMPARE(back->readOnly, s.readOnly);
        }
        ConnectionDialog dialog(nullptr);
        setText(&dialog, "password", QStringLiteral("kept"));
        QLineEdit *url = field<QLineEdit>(&dialog, "url");
        url->setText(QStringLiteral("rediss://app:@10.0.0.5:7000/3?sni=redis.prod&insecure"
                                    "&ssh=ops@bastion:2200"));
        Q_EMIT url->editingFinished();
        QCOMPARE(field<QLineEdit>(&dialog, "host")->text(), QStringLiteral("10.0.0.5"));
        QCOMPARE(field<QSpinBox>(&dialog, "port")->value(), 7000);
        QCOMPARE(field<QSpinBox>(&dialog, "db")->value(), 3);
        QCOMPARE(field<QLineEdit>(&dialog, "user")->text(), QStringLiteral("app"));
        QCOMPARE(field<QLineEdit>(&dialog, "password")->text(), QStringLiteral("kept"));
        QVERIFY(field<QCheckBox>(&dialog, "useTls")->isChecked());
        QVERIFY(!field<QCheckBox>(&dialog, "verifyPeer")->isChecked());
        QCOMPARE(field<QLineEdit>(&dialog, "sni")->text(), QStringLiteral("redis.prod"));
        QCOMPARE(field<QLineEdit>(&dialog, "sshHost")->text(), QStringLiteral("bastion"));
        QCOMPARE(field<QSpinBox>(&dialog, "sshPort")->value(), 2200);
    }

    // Problems are said in place, naming the tab; Connect refuses them and shows the tab.
    void checksInPlace_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<int>("tab");
        QTest::newRow("missing CA file") << "ca"
                                         << "TLS: the CA file" << int(ConnectionDialog::TlsTab);
        QTest::newRow("certificate without key")
            << "cert"
            << "TLS: a client certificate needs its key" << int(ConnectionDialog::TlsTab);
        QTest::newRow("sentinel without master")
            << "sentinel"
            << "Sentinel: give the master's name" << int(ConnectionDialog::SentinelTab);
        QTest::newRow("missing SSH key") << "ssh"
                                         << "SSH: the SSH key" << int(ConnectionDialog::SshTab);
        QTest::newRow("no host") << "host"
                                 << "Server: give the host" << int(ConnectionDialog::ServerTab);
    }
    void checksInPlace() {
        QFETCH(QString, what);
        QFETCH(QString, expected);
        QFETCH(int, tab);
        ConnectionDialog dialog(nullptr);
        QSignalSpy connects(&dialog, &ConnectionDialog::connectRequested);
        if (what == QLatin1String("ca")) {
            field<QCheckBox>(&dialog, "useTls")->setChecked(true);
            setText(&dialog, "caFile", m_dir.filePath(QStringLiteral("nowhere/ca.crt")));
        } else if (what == QLatin1String("cert")) {
            field<QCheckBox>(&dialog, "useTls")->setChecked(true);
            setText(&dialog, "certFile", file(QStringLiteral("client.crt")));
        } else if (what == QLatin1String("sentinel")) {
            field<QPlainTextEdit>(&dialog, "sentinels")->setPlainText(QStringLiteral("10.0.0.1"));
        } else if (what == QLatin1String("ssh")) {
            setText(&dialog, "sshHost", QStringLiteral("bastion"));
            setText(&dialog, "sshKey", m_dir.filePath(QStringLiteral("no-such-key")));
        } else {
            setText(&dialog, "host", QString());
        }
        QVERIFY2(dialog.problem().startsWith(expected), qPrintable(dialog.problem()));
        dialog.showTab(ConnectionDialog::ServerTab);
        if (tab == ConnectionDialog::ServerTab)
            dialog.showTab(ConnectionDialog::SshTab);
        dialog.connectClicked();
        QCOMPARE(connects.count(), 0);
        QCOMPARE(int(dialog.currentTab()), tab);
        if (what == QLatin1String("ca"))
            shot(&dialog, QStringLiteral("dialog-problem.png"));
    }

    // Saved: the URL with its parameters in the settings file, every secret in the secret store,
    // none in the file; opened again, every field is as saved.
    void savedKeepsSecretsOutOfTheFile() {
        QSettings settings(m_dir.filePath(QStringLiteral("saved.ini")), QSettings::IniFormat);
        SecretStore secrets(QStringLiteral("StreamScope-test-") + QUuid::createUuid().toString(),
                            false);
        ConnectionStore store(&settings, &secrets);
        const ConnectionSettings tls = everything();
        const ConnectionSettings sentinel = viaSentinel();
        {
            ConnectionDialog dialog(&store);
            QSignalSpy saved(&dialog, &ConnectionDialog::savedChanged);
            dialog.setSettings(tls);
            dialog.setName(QStringLiteral("prod"));
            dialog.setColour(QColor(0xc62828));
            QVERIFY(dialog.saveClicked());
            QCOMPARE(saved.count(), 1);
            dialog.setSettings(sentinel);
            dialog.setName(QStringLiteral("ha"));
            QVERIFY(dialog.saveClicked());
        }
        settings.sync();
        QFile f(settings.fileName());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        for (const QString &secret : {tls.password, tls.tls.keyPassphrase, tls.ssh.keyPassphrase,
                                      sentinel.sentinel.password, sentinel.password})
            QVERIFY2(!bytes.contains(secret.toUtf8()), bytes.constData());
        QVERIFY2(bytes.contains("cacert="), bytes.constData());
        QVERIFY2(bytes.contains("ssh=ops@bastion.example.com:2222"), bytes.constData());
        QVERIFY2(bytes.contains("redis+sentinel://"), bytes.constData());

        for (const auto &[name, expected] :
             {std::pair{QStringLiteral("prod"), tls}, std::pair{QStringLiteral("ha"), sentinel}}) {
            ConnectionDialog dialog(&store);
            QVERIFY(!dialog.loadSaved(name));
            auto back = dialog.settings();
            QVERIFY2(back.ok(), qPrintable(back.error().message));
            QVERIFY2(back.value() == expected, qPrintable(back->displayUrl()));
            QCOMPARE(back->password, expected.password);
            QCOMPARE(back->tls.keyPassphrase, expected.tls.keyPassphrase);
            QCOMPARE(back->ssh.keyPassphrase, expected.ssh.keyPassphrase);
            QCOMPARE(back->sentinel.password, expected.sentinel.password);
            QCOMPARE(back->readOnly, expected.readOnly);
            QCOMPARE(dialog.name(), name);
        }
        ConnectionDialog dialog(&store);
        QVERIFY(!dialog.loadSaved(QStringLiteral("prod")));
        QCOMPARE(dialog.colour(), QColor(0xc62828));
        // Connect on an unchanged saved connection names it; changed, it does not.
        QSignalSpy connects(&dialog, &ConnectionDialog::connectRequested);
        dialog.connectClicked();
        QCOMPARE(connects.count(), 1);
        QCOMPARE(connects.at(0).at(1).toString(), QStringLiteral("prod"));
        QCOMPARE(connects.at(0).at(2).toBool(), false);
        // Edited and not saved: still "prod" (its tag stays), said to be changed.
        QVERIFY(!dialog.loadSaved(QStringLiteral("prod")));
        setText(&dialog, "sni", QStringLiteral("redis.test"));
        dialog.connectClicked();
        QCOMPARE(connects.count(), 2);
        QCOMPARE(connects.at(1).at(1).toString(), QStringLiteral("prod"));
        QCOMPARE(connects.at(1).at(2).toBool(), true);
        // Deleting forgets the secrets too.
        store.remove(QStringLiteral("prod"));
        QVERIFY(!secrets.fetch(QStringLiteral("connection/prod#tls-key-passphrase")));
        QVERIFY(!secrets.fetch(QStringLiteral("connection/prod")));
    }

    // End to end: a TLS connection with a client certificate whose key is encrypted, saved from
    // the window's dialog (the passphrase to the secret store, not the file) and connected to
    // from the saved list: the passphrase comes back and the server accepts the certificate.
    void savedTlsConnectionConnects() {
        LocalRedisServer::Tls tls;
        tls.certFile = m_certs.serverCert();
        tls.keyFile = m_certs.serverKey();
        tls.caFile = m_certs.caCert();
        tls.authClients = LocalRedisServer::Tls::AuthClients::Yes;
        LocalRedisServer server(LocalRedisServer::Options(), tls);
        STREAMSCOPE_START_REDIS(server);
        auto admin = connectTo(server.settings());
        run(*admin, {"XADD", "tls-saved", "*", "a", "1"});
        QSettings preferences(m_dir.filePath(QStringLiteral("window.ini")), QSettings::IniFormat);
        MainWindow window;
        window.setSettingsStore(&preferences);
        ConnectionDialog *dialog = window.openConnectionDialog();
        ConnectionSettings s = server.tlsSettings();
        s.tls.certFile = m_certs.clientCert();
        s.tls.keyFile = m_certs.clientKeyEncrypted();
        s.tls.keyPassphrase = TestCertificates::passphrase();
        dialog->setSettings(s);
        dialog->setName(QStringLiteral("tls-prod"));
        QVERIFY2(dialog->saveClicked(), qPrintable(dialog->problem()));
        dialog->close();
        preferences.sync();
        QFile f(preferences.fileName());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QVERIFY2(!bytes.contains(TestCertificates::passphrase().toUtf8()), bytes.constData());
        QVERIFY2(bytes.contains("client-encrypted.key"), bytes.constData());

        QVERIFY(window.connectSaved(QStringLiteral("tls-prod")));
        QTRY_VERIFY_WITH_TIMEOUT(window.streamModel()->rowCount() > 0, 10000);
        QCOMPARE(window.connectionName(), QStringLiteral("tls-prod"));
        QVERIFY(window.finalErrorText().isEmpty());
        window.disconnectFromServer();
        window.connectionStore()->remove(QStringLiteral("tls-prod"));
    }

    void roleTexts_data() {
        QTest::addColumn<int>("topology");
        QTest::addColumn<int>("role");
        QTest::addColumn<qint64>("lag");
        QTest::addColumn<bool>("linkUp");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("expected");
        const int standalone = int(RedisClient::Topology::Standalone);
        QTest::newRow("primary") << standalone << int(ServerInfo::Role::Primary) << qint64(-1)
                                 << true << QString() << "primary";
        QTest::newRow("primary with a replica")
            << standalone << int(ServerInfo::Role::Primary) << qint64(-2) << true << QString()
            << "primary, 1 replica";
        QTest::newRow("replica") << standalone << int(ServerInfo::Role::Replica) << qint64(1229)
                                 << true << QString() << "replica of 10.0.0.5:6379, 1.2 KiB behind";
        QTest::newRow("replica in step")
            << standalone << int(ServerInfo::Role::Replica) << qint64(0) << true << QString()
            << "replica of 10.0.0.5:6379, 0 bytes behind";
        QTest::newRow("link down")
            << standalone << int(ServerInfo::Role::Replica) << qint64(-1) << false << QString()
            << "replica of 10.0.0.5:6379, link down for 12 s";
        QTest::newRow("sentinel") << int(RedisClient::Topology::Sentinel)
                                  << int(ServerInfo::Role::Primary) << qint64(-1) << true
                                  << QString() << "sentinel mymaster: primary 10.0.0.7:6379";
        QTest::newRow("cluster") << int(RedisClient::Topology::Cluster)
                                 << int(ServerInfo::Role::Primary) << qint64(-1) << true
                                 << QString() << "cluster, 3 primaries";
        QTest::newRow("no INFO") << standalone << int(ServerInfo::Role::Unknown) << qint64(-1)
                                 << true << "no permission for INFO"
                                 << "standalone, role unknown (no permission for INFO)";
    }
    void roleTexts() {
        QFETCH(int, topology);
        QFETCH(int, role);
        QFETCH(qint64, lag);
        QFETCH(bool, linkUp);
        QFETCH(QString, reason);
        QFETCH(QString, expected);
        DeploymentStatus status;
        TopologySnapshot snapshot;
        snapshot.topology = RedisClient::Topology(topology);
        if (snapshot.topology == RedisClient::Topology::Cluster)
            for (int i = 0; i < 3; ++i) {
                TopologyNode n;
                n.node.endpoint = QStringLiteral("10.0.0.%1:6379").arg(i + 1);
                n.node.slotRanges = {{i * 100, i * 100 + 99}};
                snapshot.nodes << n;
            }
        if (snapshot.topology == RedisClient::Topology::Sentinel) {
            TopologyNode n;
            n.node.endpoint = QStringLiteral("10.0.0.7:6379");
            snapshot.nodes << n;
        }
        status.topology = snapshot;
        ServerInfo info;
        info.role = ServerInfo::Role(role);
        info.primaryEndpoint = QStringLiteral("10.0.0.5:6379");
        info.replicationLagBytes = lag;
        info.connectedReplicas = lag == -2 ? 1 : 0;
        info.primaryLinkUp = linkUp;
        info.unknownReason = reason;
        status.server = info;
        status.masterName = QStringLiteral("mymaster");
        status.linkDownSeconds = linkUp ? -1 : 12;
        QCOMPARE(status.text(), expected);
    }

    // A primary that stopped answering keeps its replica's link "up" until repl-timeout: the
    // silence is what the status bar says then.
    void roleTextPrimarySilent() {
        DeploymentStatus status;
        ServerInfo info;
        info.role = ServerInfo::Role::Replica;
        info.primaryEndpoint = QStringLiteral("10.0.0.5:6379");
        info.replicationLagBytes = 0;
        info.primaryLinkUp = true;
        info.primarySilentSeconds = 23;
        status.server = info;
        status.linkDownSeconds = -1;
        QCOMPARE(
            status.text(),
            QStringLiteral("replica of 10.0.0.5:6379, nothing heard from the primary for 23 s"));
        info.primarySilentSeconds = 9; // pinged every 10 s: an idle primary is not silent
        status.server = info;
        QCOMPARE(status.text(), QStringLiteral("replica of 10.0.0.5:6379, 0 bytes behind"));
    }

    // The window shows what the poller says of the server: role, and a version it may not read.
    void statusBarFromServerInfo() {
        MainWindow window;
        window.connectTo(m_server.settings());
        QTRY_VERIFY(window.serverText().contains(QLatin1String("Redis 7")));
        ServerInfo info;
        info.unknownReason = QStringLiteral("no permission for INFO");
        Q_EMIT window.poller()->serverInfo(info);
        QVERIFY2(window.serverText().contains(QLatin1String("unknown (no permission for INFO)")),
                 qPrintable(window.serverText()));
        info.version = QStringLiteral("7.0.15");
        info.role = ServerInfo::Role::Replica;
        info.primaryEndpoint = QStringLiteral("10.0.0.5:6379");
        info.replicationLagBytes = 1229;
        Q_EMIT window.poller()->serverInfo(info);
        QTRY_COMPARE(window.deploymentText(),
                     QStringLiteral("replica of 10.0.0.5:6379, 1.2 KiB behind"));
        info.primaryLinkUp = false;
        Q_EMIT window.poller()->serverInfo(info);
        QVERIFY2(window.deploymentText().startsWith(
                     QLatin1String("replica of 10.0.0.5:6379, link down for ")),
                 qPrintable(window.deploymentText()));
    }

    // A real replica: the status bar says whose, and how far behind; its primary counts it.
    void replicaInTheStatusBar() {
        LocalRedisServer::Options options;
        options.extraArgs = {QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"),
                             QString::number(m_server.port())};
        LocalRedisServer replica(options);
        STREAMSCOPE_START_REDIS(replica);
        MainWindow window;
        window.connectTo(replica.settings());
        const QString expected = QStringLiteral("replica of 127.0.0.1:%1, ").arg(m_server.port());
        QTRY_VERIFY_WITH_TIMEOUT(window.deploymentText().startsWith(expected), 10000);
        qInfo("a replica in the status bar: %s", qPrintable(window.deploymentText()));
        // Writes on a replica would only come back READONLY: disabled, the primary named.
        QPushButton *ack = buttonNamed(window.groupsPanel(), QStringLiteral("Acknowledge"));
        QPushButton *publish = buttonNamed(window.publishView(), QStringLiteral("Publish"));
        QVERIFY(ack && publish);
        const QString why = QStringLiteral("this is a read-only replica: connect to the primary "
                                           "at 127.0.0.1:%1")
                                .arg(m_server.port());
        QVERIFY(!ack->isEnabled());
        QVERIFY2(ack->toolTip().contains(why), qPrintable(ack->toolTip()));
        QVERIFY(!publish->isEnabled());
        QVERIFY2(publish->toolTip().contains(why), qPrintable(publish->toolTip()));
        MainWindow primary;
        primary.connectTo(m_server.settings());
        QTRY_COMPARE_WITH_TIMEOUT(primary.deploymentText(), QStringLiteral("primary, 1 replica"),
                                  10000);
        QVERIFY(buttonNamed(primary.publishView(), QStringLiteral("Publish"))->isEnabled());
    }

    // Through real sentinels: the status bar names the master and the primary they name.
    void sentinelInTheStatusBar() {
        LocalRedisSentinel sentinels;
        if (const Error e = sentinels.start())
            QFAIL(qPrintable(QStringLiteral("cannot start the sentinels: ") + e.message));
        auto primary = sentinels.primaryEndpoint();
        QVERIFY2(primary.ok(), qPrintable(primary.error().message));
        MainWindow window;
        QElapsedTimer clock;
        clock.start();
        window.connectTo(sentinels.settings());
        const QString expected = QStringLiteral("sentinel mymaster: primary ") + primary.value();
        QTRY_COMPARE_WITH_TIMEOUT(window.deploymentText(), expected, 10000);
        qInfo("through 3 sentinels, to the primary in the status bar: %lld ms", clock.elapsed());
        QTRY_VERIFY(window.serverText().contains(QLatin1String("master mymaster")));
        QVERIFY2(!window.serverText().contains(QLatin1String("standalone")),
                 qPrintable(window.serverText()));

        // A sentinel's port given as a server: final, said once, not retried every second.
        MainWindow wrong;
        auto asServer = ConnectionSettings::fromUrl(
            QStringLiteral("redis://127.0.0.1:%1").arg(sentinels.sentinelPort(0)));
        QVERIFY(asServer.ok());
        wrong.connectTo(asServer.value());
        QTRY_VERIFY_WITH_TIMEOUT(wrong.finalErrorText().startsWith(QLatin1String("Connection")),
                                 10000);
        QVERIFY2(wrong.finalErrorText().contains(QLatin1String("is a Redis Sentinel")),
                 qPrintable(wrong.finalErrorText()));
        QVERIFY(!wrong.poller());
        QVERIFY(!wrong.tailer());
        wrong.finalErrorBanner()->button()->click();
        QVERIFY(wrong.connectionDialog());
        QCOMPARE(wrong.connectionDialog()->currentTab(), ConnectionDialog::SentinelTab);
    }

    // A certificate problem is final (a real TLS server whose CA the client is not given): the
    // window says it, red, with the way to the TLS tab, and nothing connects again (counted by
    // the server). Giving the CA in the dialog's TLS tab connects.
    void tlsFailureIsFinal() {
        LocalRedisServer::Tls tls;
        tls.certFile = m_certs.serverCert();
        tls.keyFile = m_certs.serverKey();
        tls.caFile = m_certs.caCert();
        LocalRedisServer tlsServer(LocalRedisServer::Options(), tls);
        STREAMSCOPE_START_REDIS(tlsServer);
        auto counter = connectTo(tlsServer.settings()); // its plain port
        run(*counter, {"XADD", "tls-stream", "*", "a", "1"});
        MainWindow window;
        window.resize(1100, 600);
        window.show();
        ConnectionSettings settings = tlsServer.tlsSettings();
        settings.tls.caFile.clear(); // the system's CA store does not know our CA
        window.connectTo(settings);
        QTRY_VERIFY_WITH_TIMEOUT(window.finalErrorText().startsWith(QLatin1String("TLS")), 10000);
        qInfo("%s", qPrintable(window.finalErrorText()));
        // In the dialog's words, not the command line's.
        QVERIFY2(window.finalErrorText().contains(QLatin1String("CA file (or CA directory) in "
                                                                "the TLS tab"))
                     && !window.finalErrorText().contains(QLatin1String("--cacert")),
                 qPrintable(window.finalErrorText()));
        QVERIFY(window.finalErrorBanner()->isVisible());
        QVERIFY(window.stateText().contains(QLatin1String("TLS with")));
        QVERIFY(!window.poller());
        QVERIFY(!window.tailer());
        QTest::qWait(300); // a worker already inside a connect finishes it
        const qint64 before = infoField(*counter, "stats", "total_connections_received");
        QTest::qWait(4000); // longer than the first retries' backoff
        QCOMPARE(infoField(*counter, "stats", "total_connections_received"), before);
        QVERIFY(window.finalErrorText().startsWith(QLatin1String("TLS"))); // still said
        shot(&window, QStringLiteral("final-tls.png"));

        window.finalErrorBanner()->button()->click();
        ConnectionDialog *dialog = window.connectionDialog();
        QVERIFY(dialog);
        QCOMPARE(dialog->currentTab(), ConnectionDialog::TlsTab);
        QVERIFY(field<QCheckBox>(dialog, "useTls")->isChecked());
        setText(dialog, "caFile", m_certs.caCert());
        shot(dialog, QStringLiteral("dialog-tls-fix.png"));
        dialog->connectClicked();
        QVERIFY(window.finalErrorText().isEmpty());
        QVERIFY(!window.finalErrorBanner()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(window.streamModel()->rowCount() > 0, 10000);
        QTRY_VERIFY(window.stateText().contains(QLatin1String("live")));
    }

    void messagesInDialogWords() {
        QCOMPARE(inDialogWords(QStringLiteral("--cacertdir /x: is not a directory (use --cacert "
                                              "for a file)")),
                 QStringLiteral("the CA directory /x: is not a directory (use the CA file for a "
                                "file)"));
        QCOMPARE(inDialogWords(QStringLiteral("requires a client certificate: give --cert and "
                                              "--key")),
                 QStringLiteral("requires a client certificate: give a client certificate and "
                                "its key in the TLS tab"));
    }

    // A wrong password, from a real server: final too, no connection after it.
    void authenticationFailureIsFinal() {
        LocalRedisServer::Options options;
        options.extraArgs = {QStringLiteral("--requirepass"), QStringLiteral("right")};
        LocalRedisServer locked(options);
        STREAMSCOPE_START_REDIS(locked);
        ConnectionSettings admin = locked.settings();
        admin.password = QStringLiteral("right");
        auto counter = connectTo(admin);
        MainWindow window;
        ConnectionSettings wrong = locked.settings();
        wrong.password = QStringLiteral("wrong");
        window.connectTo(wrong);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.finalErrorText().startsWith(QLatin1String("Authentication")), 10000);
        QVERIFY(!window.poller());
        QTest::qWait(300);
        const qint64 before = infoField(*counter, "stats", "total_connections_received");
        QTest::qWait(4000);
        QCOMPARE(infoField(*counter, "stats", "total_connections_received"), before);
        QCOMPARE(window.finalErrorBanner()->button()->text(), QStringLiteral("Server settings..."));
    }

    // An unknown SSH host key (a real sshd, an empty known_hosts): a prompt with the server's
    // fingerprint, Cancel by default; trusting writes it and connects through the tunnel. A
    // changed key: a refusal, nothing to trust.
    void hostKeyPrompt() {
        TestSsh sshd;
        if (const Error e = sshd.start())
            QFAIL(qPrintable(QStringLiteral("cannot start sshd: ") + e.message));
        auto admin = connectTo(m_server.settings());
        run(*admin, {"XADD", "through-ssh", "*", "a", "1"});
        MainWindow window;
        ConnectionSettings settings = m_server.settings();
        settings.ssh =
            sshd.settings(sshd.keyFile(), sshd.writeKnownHosts(QStringLiteral("known_empty"),
                                                               TestSsh::KnownHosts::Empty));
        window.connectTo(settings);
        QTRY_VERIFY_WITH_TIMEOUT(window.hostKeyPrompt(), 10000);
        QMessageBox *box = window.hostKeyPrompt();
        QVERIFY2(box->informativeText().contains(sshd.hostKeyFingerprint()),
                 qPrintable(box->informativeText()));
        QCOMPARE(box->defaultButton(), box->button(QMessageBox::Cancel));
        QVERIFY(window.finalErrorText().startsWith(QLatin1String("SSH host key: ")));
        QVERIFY(!window.poller());
        shot(box, QStringLiteral("hostkey-unknown.png"));
        QElapsedTimer clock;
        clock.start();
        box->findChild<QPushButton *>(QStringLiteral("trustHostKey"))->click();
        QVERIFY(window.poller()); // connecting again
        QTRY_VERIFY_WITH_TIMEOUT(window.streamModel()->rowCount() > 0, 15000);
        qInfo("trust and connect through the SSH tunnel to the first stream list: %lld ms",
              clock.elapsed());
        QVERIFY(window.finalErrorText().isEmpty());
        QTRY_VERIFY(window.serverText().contains(QLatin1String("through SSH 127.0.0.1:")));

        settings.ssh.knownHostsFile =
            sshd.writeKnownHosts(QStringLiteral("known_changed"), TestSsh::KnownHosts::Changed);
        window.connectTo(settings);
        QTRY_VERIFY_WITH_TIMEOUT(window.hostKeyPrompt() && window.hostKeyPrompt() != box, 10000);
        box = window.hostKeyPrompt();
        QCOMPARE(box->icon(), QMessageBox::Critical);
        QVERIFY(!box->findChild<QPushButton *>(QStringLiteral("trustHostKey")));
        QVERIFY(box->text().contains(QLatin1String("CHANGED")));
        QVERIFY(!window.poller());
        shot(box, QStringLiteral("hostkey-changed.png"));
    }

    // What the ACL user may not do is disabled, the reason in the tooltip; not probed: all on.
    void forbiddenActionsDisabled() {
        MainWindow window;
        window.connectTo(m_server.settings());
        QPushButton *ack = buttonNamed(window.groupsPanel(), QStringLiteral("Acknowledge"));
        QPushButton *claim = buttonNamed(window.groupsPanel(), QStringLiteral("Claim to"));
        QPushButton *deadLetter =
            buttonNamed(window.groupsPanel(), QStringLiteral("Move to dead letters..."));
        QPushButton *publish = buttonNamed(window.publishView(), QStringLiteral("Publish"));
        QPushButton *trim =
            window.browser()->findChild<QPushButton *>(QStringLiteral("trimButton"));
        QVERIFY(ack && claim && deadLetter && publish && trim);
        for (QPushButton *b : {ack, claim, deadLetter, publish, trim})
            QVERIFY2(b->isEnabled(), qPrintable(b->text()));

        Permissions p;
        p.probed = true;
        p.user = QStringLiteral("monitor");
        const QString why =
            QStringLiteral("this user has no permissions to run the 'xack' command");
        p.denied.insert("XACK", why);
        p.denied.insert("XADD", QStringLiteral("no xadd"));
        p.denied.insert("XTRIM", QStringLiteral("no xtrim"));
        Q_EMIT window.poller()->accessUpdated(p);
        QVERIFY(!ack->isEnabled());
        QVERIFY2(ack->toolTip().contains(why), qPrintable(ack->toolTip()));
        QVERIFY(claim->isEnabled());
        QVERIFY(!deadLetter->isEnabled());
        QVERIFY(!publish->isEnabled());
        QVERIFY(publish->toolTip().contains(QLatin1String("no xadd")));
        QVERIFY(!trim->isEnabled());
        QVERIFY(trim->toolTip().contains(QLatin1String("no xtrim")));

        // A stream the user may not read: listed, its figures unknown, not 0.
        StreamInfo forbidden;
        forbidden.name = "payments-secret";
        forbidden.noAccess = QStringLiteral("no permission: add ~payments-secret");
        StreamInfo readable;
        readable.name = "orders";
        readable.length = 3;
        window.streamModel()->setStreams({forbidden, readable}, 0);
        const QModelIndex length = window.streamModel()->index(0, StreamListModel::LengthColumn);
        QCOMPARE(length.data().toString(), QStringLiteral("no permission"));
        QVERIFY(length.data(Qt::ToolTipRole).toString().contains(forbidden.noAccess));
        QCOMPARE(window.streamModel()->index(1, StreamListModel::LengthColumn).data().toString(),
                 QStringLiteral("3"));

        Permissions notProbed;
        notProbed.probeNote = QStringLiteral("ACL denied");
        window.setPermissions(notProbed);
        for (QPushButton *b : {ack, claim, deadLetter, publish, trim})
            QVERIFY2(b->isEnabled(), qPrintable(b->text()));

        // A real ACL user without the writes: asked on connect (ACL DRYRUN), disabled the same.
        auto admin = connectTo(m_server.settings());
        run(*admin, {"ACL", "SETUSER", "gui-viewer", "on", ">viewer-pw", "~*", "&*", "+@all",
                     "-xack", "-xadd", "-xtrim", "-xdel"});
        ConnectionSettings viewer = m_server.settings();
        viewer.user = QStringLiteral("gui-viewer");
        viewer.password = QStringLiteral("viewer-pw");
        window.connectTo(viewer);
        QTRY_VERIFY_WITH_TIMEOUT(!ack->isEnabled(), 10000);
        QVERIFY2(ack->toolTip().contains(QLatin1String("gui-viewer"))
                     && ack->toolTip().contains(QLatin1String("XACK")),
                 qPrintable(ack->toolTip()));
        QVERIFY(claim->isEnabled());
        QVERIFY(!deadLetter->isEnabled());
        QVERIFY(!publish->isEnabled());
        QVERIFY(!trim->isEnabled());
        qInfo("a real ACL user's refusal, as the tooltip says it: %s", qPrintable(ack->toolTip()));
        window.disconnectFromServer();
        run(*admin, {"ACL", "DELUSER", "gui-viewer"});

        // A user restricted to order-*: the other stream is listed "no permission" and never
        // tailed (the tail's reads of it would be refused, and logged in the server's ACL LOG).
        run(*admin, {"XADD", "order-visible", "*", "a", "1"});
        run(*admin, {"XADD", "secret-hidden", "*", "a", "1"});
        run(*admin, {"ACL", "SETUSER", "gui-orders", "on", ">orders-pw", "~order-*", "+@all"});
        run(*admin, {"ACL", "LOG", "RESET"});
        ConnectionSettings orders = m_server.settings();
        orders.user = QStringLiteral("gui-orders");
        orders.password = QStringLiteral("orders-pw");
        window.connectTo(orders);
        auto listed = [&](const char *name) {
            for (int row = 0; row < window.streamModel()->rowCount(); ++row)
                if (window.streamModel()->index(row, 0).data(StreamListModel::NameRole)
                    == QByteArray(name))
                    return row;
            return -1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(listed("secret-hidden") >= 0 && listed("order-visible") >= 0,
                                 10000);
        // Its groups are not examined, and the views say so instead of "every group polled".
        QTRY_VERIFY_WITH_TIMEOUT(
            window.tabs()->tabText(window.findingsTabIndex()).contains(QLatin1String("partial")),
            10000);
        QTest::qWait(1500); // the tail's reads
        const RedisReply log = run(*admin, {"ACL", "LOG"});
        for (const RedisReply &entry : log.elements())
            if (const RedisReply *client = entry.field("client-info"))
                QVERIFY2(!client->bytes().contains("name=streamscope-tail"),
                         client->bytes().constData());
        window.disconnectFromServer();
        run(*admin, {"ACL", "DELUSER", "gui-orders"});
    }

    // From clicking Connect in the dialog to the first stream list shown (standalone).
    void connectToFirstStreamList() {
        auto admin = connectTo(m_server.settings());
        run(*admin, {"XADD", "timed-stream", "*", "a", "1"});
        MainWindow window;
        window.show();
        ConnectionDialog *dialog = window.openConnectionDialog();
        dialog->setSettings(m_server.settings());
        QElapsedTimer clock;
        clock.start();
        buttonNamed(dialog, QStringLiteral("Connect"))->click();
        QTRY_VERIFY(window.streamModel()->rowCount() > 0);
        qInfo("connect to the first stream list (standalone, from the dialog): %lld ms",
              clock.elapsed());
    }

    // The GUI takes the connection flags of the CLI and the services (long ones).
    void commandLineFlags_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("expected");
        const QString ca = file(QStringLiteral("ca.crt"));
        QTest::newRow("tls")
            << QStringList{"--tls", "--cacert", ca, "--url", "rediss://127.0.0.1:1"} << 0
            << QStringLiteral("connecting to rediss://127.0.0.1:1?cacert=%1").arg(ca);
        QTest::newRow("sentinel") << QStringList{"--sentinel", "127.0.0.1:1", "--master",
                                                 "mymaster"}
                                  << 0 << "connecting to redis+sentinel://127.0.0.1:1/mymaster";
        QTest::newRow("ssh") << QStringList{"--url", "redis://127.0.0.1:1", "--ssh",
                                            "ops@127.0.0.1:1"}
                             << 0 << "ssh=ops@127.0.0.1:1";
        QTest::newRow("cacert without tls")
            << QStringList{"--cacert", ca, "--url", "redis://127.0.0.1:1"} << 2
            << "--cacert: a TLS option: add --tls or use a rediss:// URL";
        QTest::newRow("master without sentinels")
            << QStringList{"--master", "mymaster"} << 2 << "--master";
    }
    void commandLineFlags() {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, expected);
        const QString dir = qEnvironmentVariableIsEmpty("STREAMSCOPE_BIN_DIR")
                                ? QCoreApplication::applicationDirPath()
                                : qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
        const QString binary = dir + QStringLiteral("/streamscope");
        QVERIFY2(QFile::exists(binary), qPrintable(binary));
        QTemporaryDir home;
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.path()); // no real preferences
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        process.setProcessEnvironment(env);
        const QString png = home.filePath(QStringLiteral("shot.png"));
        process.start(binary, arguments
                                  + QStringList{QStringLiteral("--screenshot"), png,
                                                QStringLiteral("--screenshot-after"),
                                                QStringLiteral("200")});
        QVERIFY(process.waitForFinished(20000));
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QVERIFY2(err.contains(expected), qPrintable(err));
        QCOMPARE(process.exitCode(), exitCode);
        QCOMPARE(QFile::exists(png), exitCode == 0);
    }

private:
    QTemporaryDir m_dir;
    LocalRedisServer m_server;
    TestCertificates m_certs;
};

QTEST_MAIN(TestConnectionDialog)
#include "tst_connectiondialog.moc"
