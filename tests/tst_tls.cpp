#include "CliProcess.h"
#include "ConnectionOptions.h"
#include "GroupPoller.h"
#include "ServerPoller.h"
#include "ServiceProcess.h"
#include "StreamTailer.h"
#include "TestRedis.h"
#include "TestTls.h"
#include "WorkerThread.h"

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace streamscope;
using namespace streamscope::test;

namespace {
using Run = CliRun;

// Sets an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char *name, const QByteArray &value)
        : m_name(name)
        , m_had(qEnvironmentVariableIsSet(name))
        , m_old(qgetenv(name)) {
        qputenv(name, value);
    }
    ~ScopedEnv() {
        if (m_had)
            qputenv(m_name, m_old);
        else
            qunsetenv(m_name);
    }

private:
    const char *m_name;
    bool m_had;
    QByteArray m_old;
};
} // namespace

// TLS against real redis-server --tls-port processes, with certificates made by openssl here;
// and Unix socket errors.
class TestTls : public QObject {
    Q_OBJECT
private:
    static std::unique_ptr<LocalRedisServer> tlsServer(const QString &cert, const QString &key,
                                                       const QString &ca,
                                                       LocalRedisServer::Tls::AuthClients auth) {
        LocalRedisServer::Tls tls;
        tls.certFile = cert;
        tls.keyFile = key;
        tls.caFile = ca;
        tls.authClients = auth;
        return std::make_unique<LocalRedisServer>(LocalRedisServer::Options(), tls);
    }

    // Opens a connection; the error (none when it worked, with a PING answered).
    static Error tryOpen(ConnectionSettings s) {
        s.connectTimeoutMs = qMin(s.connectTimeoutMs, 3000);
        RedisConnection c(s);
        if (Error e = c.open())
            return e;
        auto pong = c.command({"PING"});
        if (!pong.ok())
            return pong.error();
        if (pong->toDebugString() != QLatin1String("PONG"))
            return Error(Error::Kind::Server, pong->toDebugString());
        return {};
    }

    ConnectionSettings mutualSettings() const {
        ConnectionSettings s = m_mutual->tlsSettings();
        s.tls.certFile = m_certs.clientCert();
        s.tls.keyFile = m_certs.clientKey();
        return s;
    }

    Run cli(const QStringList &args, const QHash<QString, QString> &env = {}) const {
        return runProgram(m_cli, args, env);
    }

private Q_SLOTS:
    void initTestCase() {
        registerCoreMetaTypes();
        const QString dir = qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
        m_cli = (dir.isEmpty() ? QCoreApplication::applicationDirPath() : dir)
                + QStringLiteral("/streamscope-cli");
        QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli + QStringLiteral(" not built")));
        const Error made = m_certs.make();
        QVERIFY2(!made, qPrintable(made.message));
        using Auth = LocalRedisServer::Tls::AuthClients;
        m_tls = tlsServer(m_certs.serverCert(), m_certs.serverKey(), m_certs.caCert(), Auth::No);
        m_mutual =
            tlsServer(m_certs.serverCert(), m_certs.serverKey(), m_certs.caCert(), Auth::Yes);
        m_wrongName =
            tlsServer(m_certs.wrongNameCert(), m_certs.serverKey(), m_certs.caCert(), Auth::No);
        m_expired =
            tlsServer(m_certs.expiredCert(), m_certs.serverKey(), m_certs.caCert(), Auth::No);
        m_selfSigned =
            tlsServer(m_certs.selfSignedCert(), m_certs.serverKey(), m_certs.caCert(), Auth::No);
        STREAMSCOPE_START_REDIS(*m_selfSigned);
        STREAMSCOPE_START_REDIS(*m_tls);
        STREAMSCOPE_START_REDIS(*m_mutual);
        STREAMSCOPE_START_REDIS(*m_wrongName);
        STREAMSCOPE_START_REDIS(*m_expired);
    }

    void ownCaWithCacert() {
        QCOMPARE(tryOpen(m_tls->tlsSettings()).message, QString());
        // The system store alone does not know our CA.
        ConnectionSettings s = m_tls->tlsSettings();
        s.tls.caFile.clear();
        const Error e = tryOpen(s);
        QVERIFY2(e.kind == Error::Kind::Tls, qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("signed by an unknown CA (StreamScope Test CA): "
                                                  "give it with --cacert")),
                 qPrintable(e.message));
    }

    void wrongCa() {
        ConnectionSettings s = m_tls->tlsSettings();
        s.tls.caFile = m_certs.otherCaCert();
        const Error e = tryOpen(s);
        QVERIFY2(e.kind == Error::Kind::Tls, qPrintable(e.message));
        // The CA was given: the message says it is the wrong one, not to give one.
        QVERIFY2(e.message.contains(QStringLiteral("signed by StreamScope Test CA, which --cacert "
                                                   "%1 does not hold: give the CA that signed it")
                                        .arg(m_certs.otherCaCert())),
                 qPrintable(e.message));
    }

    void caDirAndBundle() {
        ConnectionSettings s = m_tls->tlsSettings();
        s.tls.caFile.clear();
        s.tls.caDir = m_certs.caDir();
        QCOMPARE(tryOpen(s).message, QString());
        // A bundle: the unrelated CA first, ours second.
        const QString bundle = m_certs.path(QStringLiteral("bundle.pem"));
        QFile out(bundle);
        QVERIFY(out.open(QIODevice::WriteOnly));
        for (const QString &part : {m_certs.otherCaCert(), m_certs.caCert()}) {
            QFile in(part);
            QVERIFY(in.open(QIODevice::ReadOnly));
            out.write(in.readAll());
        }
        out.close();
        s.tls.caDir.clear();
        s.tls.caFile = bundle;
        QCOMPARE(tryOpen(s).message, QString());
    }

    void environmentCaStore() {
        ConnectionSettings s = m_tls->tlsSettings();
        s.tls.caFile.clear();
        {
            ScopedEnv env("SSL_CERT_FILE", QFile::encodeName(m_certs.caCert()));
            QCOMPARE(tryOpen(s).message, QString());
        }
        {
            ScopedEnv env("SSL_CERT_DIR", QFile::encodeName(m_certs.caDir()));
            QCOMPARE(tryOpen(s).message, QString());
        }
        {
            ScopedEnv env("SSL_CERT_FILE", "/nonexistent/ca.pem");
            const Error e = tryOpen(s);
            QVERIFY2(e.kind == Error::Kind::Tls, qPrintable(e.message));
            QCOMPARE(e.message, QStringLiteral("SSL_CERT_FILE /nonexistent/ca.pem: no such file"));
        }
        // As redis-cli: --cacert is then the only CA trusted, the environment's store is not
        // asked (nor read: a one-shot command does not spend its time parsing it).
        {
            ScopedEnv env("SSL_CERT_FILE", QFile::encodeName(m_certs.caCert()));
            ConnectionSettings other = s;
            other.tls.caFile = m_certs.otherCaCert();
            const Error e = tryOpen(other);
            QVERIFY2(e.kind == Error::Kind::Tls
                         && e.message.contains(QLatin1String("does not hold")),
                     qPrintable(e.message));
            ScopedEnv missing("SSL_CERT_FILE", "/nonexistent/ca.pem");
            QCOMPARE(tryOpen(m_tls->tlsSettings()).message, QString());
        }
    }

    void fileProblemsNameTheFlag_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("cacert missing") << "caFile"
                                        << "/x/ca.crt"
                                        << "--cacert /x/ca.crt: no such file";
        QTest::newRow("cacert not PEM") << "caFile"
                                        << "@KEY@"
                                        << "--cacert @KEY@: is not a PEM certificate";
        QTest::newRow("cacert a directory")
            << "caFile"
            << "@CADIR@"
            << "--cacert @CADIR@: is a directory, not a file (use --cacertdir)";
        QTest::newRow("cacertdir missing") << "caDir"
                                           << "/x/certs"
                                           << "--cacertdir /x/certs: no such directory";
        QTest::newRow("cacertdir a file")
            << "caDir"
            << "@CA@"
            << "--cacertdir @CA@: is not a directory (use --cacert for a file)";
        QTest::newRow("cert missing") << "certFile"
                                      << "/x/c.crt"
                                      << "--cert /x/c.crt: no such file";
        QTest::newRow("key missing") << "keyFile"
                                     << "/x/c.key"
                                     << "--key /x/c.key: no such file";
        QTest::newRow("key not a key") << "keyFile"
                                       << "@CA@"
                                       << "--key @CA@: is not a PEM private key";
        QTest::newRow("encrypted key, no passphrase")
            << "keyFile"
            << "@ENCKEY@"
            << "--key @ENCKEY@: the key is encrypted: give its passphrase in "
               "STREAMSCOPE_TLS_KEY_PASSPHRASE";
        QTest::newRow("encrypted key, wrong passphrase")
            << "passphrase"
            << "wrong"
            << "--key @ENCKEY@: wrong passphrase or not a private key (give it in "
               "STREAMSCOPE_TLS_KEY_PASSPHRASE)";
    }
    void fileProblemsNameTheFlag() {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        auto resolve = [this](QString text) {
            return text.replace(QLatin1String("@ENCKEY@"), m_certs.clientKeyEncrypted())
                .replace(QLatin1String("@KEY@"), m_certs.clientKey())
                .replace(QLatin1String("@CADIR@"), m_certs.caDir())
                .replace(QLatin1String("@CA@"), m_certs.caCert());
        };
        ConnectionSettings s = mutualSettings();
        if (field == QLatin1String("caFile"))
            s.tls.caFile = resolve(value);
        else if (field == QLatin1String("caDir"))
            s.tls.caDir = resolve(value);
        else if (field == QLatin1String("certFile"))
            s.tls.certFile = resolve(value);
        else if (field == QLatin1String("keyFile"))
            s.tls.keyFile = resolve(value);
        else if (field == QLatin1String("passphrase")) {
            s.tls.keyFile = m_certs.clientKeyEncrypted();
            s.tls.keyPassphrase = value;
        }
        // Caught before connecting: the same without a server.
        auto config = RedisConnection::tlsConfiguration(s);
        QVERIFY(!config.ok());
        QCOMPARE(config.error().kind, Error::Kind::Tls);
        QCOMPARE(config.error().message, resolve(expected));
        const Error e = tryOpen(s);
        QCOMPARE(e.message, resolve(expected));
    }

    void clientCertificates() {
        // Required, none given: the server's refusal in words, final.
        ConnectionSettings s = m_mutual->tlsSettings();
        Error e = tryOpen(s);
        QVERIFY2(e.kind == Error::Kind::Tls, qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("requires a client certificate: give --cert "
                                                  "and --key")),
                 qPrintable(e.message));
        // Ours (RSA), plain and encrypted.
        QCOMPARE(tryOpen(mutualSettings()).message, QString());
        s = mutualSettings();
        s.tls.keyFile = m_certs.clientKeyEncrypted();
        s.tls.keyPassphrase = TestCertificates::passphrase();
        QCOMPARE(tryOpen(s).message, QString());
        // One of another CA (an EC key): refused by the server.
        s = m_mutual->tlsSettings();
        s.tls.certFile = m_certs.otherClientCert();
        s.tls.keyFile = m_certs.otherClientKey();
        e = tryOpen(s);
        QVERIFY2(e.kind == Error::Kind::Tls, qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("rejected our client certificate")),
                 qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("not signed by a CA it trusts")),
                 qPrintable(e.message));
        // A certificate with another's key.
        s.tls.certFile = m_certs.clientCert();
        e = tryOpen(s);
        QVERIFY2(e.kind == Error::Kind::Tls, qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("do not match")), qPrintable(e.message));
        // tls-auth-clients no: none is fine.
        QCOMPARE(tryOpen(m_tls->tlsSettings()).message, QString());
    }

    void wrongHostNameThenSni() {
        ConnectionSettings s = m_wrongName->tlsSettings();
        Error e = tryOpen(s);
        QVERIFY2(e.kind == Error::Kind::Tls, qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("the certificate is for redis.prod, not "
                                                  "127.0.0.1: use --sni or the right host name")),
                 qPrintable(e.message));
        s.tls.sni = QStringLiteral("redis.prod");
        QCOMPARE(tryOpen(s).message, QString());
        // The name asked for is verified too.
        s = m_tls->tlsSettings();
        s.tls.sni = QStringLiteral("redis.prod");
        e = tryOpen(s);
        QVERIFY2(e.message.contains(QLatin1String("is for localhost, 127.0.0.1, not redis.prod")),
                 qPrintable(e.message));
        // ... and the advice is about the --sni given, not to use --sni.
        QVERIFY2(e.message.contains(QLatin1String("(the name given with --sni): give one of its "
                                                  "names with --sni")),
                 qPrintable(e.message));
    }

    void expiredCertificate() {
        const Error e = tryOpen(m_expired->tlsSettings());
        QVERIFY2(e.kind == Error::Kind::Tls, qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("the server's certificate expired on "
                                                  "2025-02-01")),
                 qPrintable(e.message));
    }

    void selfSigned() {
        ConnectionSettings s = m_selfSigned->tlsSettings();
        s.tls.caFile.clear();
        const Error e = tryOpen(s);
        QVERIFY2(e.kind == Error::Kind::Tls, qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("the server's certificate (localhost, 127.0.0.1) "
                                                  "is self-signed: trust it with --cacert")),
                 qPrintable(e.message));
        s.tls.caFile = m_certs.selfSignedCert();
        QCOMPARE(tryOpen(s).message, QString());
    }

    void insecure() {
        for (LocalRedisServer *server : {m_tls.get(), m_wrongName.get(), m_expired.get()}) {
            ConnectionSettings s = server->tlsSettings();
            s.tls.caFile.clear();
            s.tlsVerifyPeer = false;
            QCOMPARE(tryOpen(s).message, QString());
        }
    }

    void wrongPortHints() {
        ConnectionSettings plain = m_tls->settings();
        plain.port = m_tls->tlsPort();
        Error e = tryOpen(plain);
        QCOMPARE(e.kind, Error::Kind::Connect);
        QVERIFY2(e.message.contains(QLatin1String("seems to expect TLS: use rediss:// or --tls")),
                 qPrintable(e.message));
        ConnectionSettings tls = m_tls->tlsSettings();
        tls.port = m_tls->port();
        tls.connectTimeoutMs = 1000;
        e = tryOpen(tls);
        QVERIFY2(e.message.contains(QLatin1String("does not seem to speak TLS (use redis:// "
                                                  "without --tls)")),
                 qPrintable(e.message));
        // A real network error stays one.
        plain.port = LocalRedisServer::freePort();
        e = tryOpen(plain);
        QCOMPARE(e.kind, Error::Kind::Connect);
        QVERIFY2(!e.message.contains(QLatin1String("TLS")), qPrintable(e.message));
    }

    void urlParametersEqualFlags() {
        const QString url =
            QStringLiteral("rediss://127.0.0.1:%1?cacert=%2&cert=%3&key=%4&sni=localhost")
                .arg(m_mutual->tlsPort())
                .arg(m_certs.caCert(), m_certs.clientCert(), m_certs.clientKeyEncrypted());
        ScopedEnv env("STREAMSCOPE_TLS_KEY_PASSPHRASE", TestCertificates::passphrase().toUtf8());
        QCommandLineParser fromUrl;
        fromUrl.addOptions(ConnectionOptions::options(ConnectionOptions::Letters::RedisCli));
        QVERIFY(fromUrl.parse({QStringLiteral("cli"), QStringLiteral("-u"), url}));
        auto a = ConnectionOptions::settingsFrom(fromUrl, ConnectionOptions::Letters::RedisCli);
        QVERIFY2(a.ok(), qPrintable(a.error().message));
        QCommandLineParser fromFlags;
        fromFlags.addOptions(ConnectionOptions::options(ConnectionOptions::Letters::RedisCli));
        QVERIFY(fromFlags.parse(
            {QStringLiteral("cli"), QStringLiteral("--tls"), QStringLiteral("-p"),
             QString::number(m_mutual->tlsPort()), QStringLiteral("--cacert"), m_certs.caCert(),
             QStringLiteral("--cert"), m_certs.clientCert(), QStringLiteral("--key"),
             m_certs.clientKeyEncrypted(), QStringLiteral("--sni"), QStringLiteral("localhost")}));
        auto b = ConnectionOptions::settingsFrom(fromFlags, ConnectionOptions::Letters::RedisCli);
        QVERIFY2(b.ok(), qPrintable(b.error().message));
        QVERIFY(a.value() == b.value());
        QCOMPARE(a->tls.keyPassphrase, TestCertificates::passphrase());
        QCOMPARE(tryOpen(a.value()).message, QString());
        // --tls with a socket path was taken as TLS to 127.0.0.1:6379, the path dropped.
        QCommandLineParser socketTls;
        socketTls.addOptions(ConnectionOptions::options(ConnectionOptions::Letters::RedisCli));
        QVERIFY(socketTls.parse({QStringLiteral("cli"), QStringLiteral("-s"), m_tls->socketPath(),
                                 QStringLiteral("--tls")}));
        auto c = ConnectionOptions::settingsFrom(socketTls, ConnectionOptions::Letters::RedisCli);
        QVERIFY(!c.ok());
        QVERIFY2(c.error().message.startsWith(QLatin1String("--tls: a unix socket is reached "
                                                            "without TLS")),
                 qPrintable(c.error().message));
        // Every cluster node and sentinel-named server is reached with the same TLS settings.
        const ConnectionSettings node = a->forServer(QStringLiteral("127.0.0.2"), 7001);
        QCOMPARE(node.transport, ConnectionSettings::Transport::Tls);
        QVERIFY(node.tls == a->tls);
        QCOMPARE(node.tlsVerifyPeer, a->tlsVerifyPeer);
    }

    // A cluster's node connections take the seed's TLS settings, client certificate included:
    // a one-node cluster on a TLS port that requires one, reached as "localhost", announces
    // itself as 127.0.0.1, so the client opens a second connection to it as a node.
    void clusterNodesUseTheSameTls() {
        LocalRedisServer::Tls tls;
        tls.certFile = m_certs.serverCert();
        tls.keyFile = m_certs.serverKey();
        tls.caFile = m_certs.caCert();
        tls.authClients = LocalRedisServer::Tls::AuthClients::Yes;
        LocalRedisServer::Options options;
        options.extraArgs =
            QStringList{QStringLiteral("--cluster-enabled"),     QStringLiteral("yes"),
                        QStringLiteral("--tls-cluster"),         QStringLiteral("yes"),
                        QStringLiteral("--cluster-announce-ip"), QStringLiteral("127.0.0.1")};
        LocalRedisServer node(options, tls);
        STREAMSCOPE_START_REDIS(node);
        ConnectionSettings plain;
        plain.transport = ConnectionSettings::Transport::Unix;
        plain.socketPath = node.socketPath();
        auto admin = connectTo(plain);
        QCOMPARE(run(*admin, {"CLUSTER", "ADDSLOTSRANGE", "0", "16383"}).toDebugString(),
                 QStringLiteral("OK"));
        QTRY_VERIFY(run(*admin, {"CLUSTER", "INFO"}).bytes().contains("cluster_state:ok"));

        ConnectionSettings s = mutualSettings();
        s.port = node.tlsPort();
        s.host = QStringLiteral("localhost");
        auto client = openClient(s);
        QVERIFY2(client.ok(), qPrintable(client.error().message));
        QCOMPARE(client.value()->topology(), RedisClient::Topology::Cluster);
        const QList<RedisClient::Node> nodes = client.value()->nodes();
        QCOMPARE(nodes.size(), 1);
        QCOMPARE(nodes.first().endpoint, QStringLiteral("127.0.0.1:%1").arg(node.tlsPort()));
        auto reply = client.value()->command({"SET", "k", "v"});
        QVERIFY2(reply.ok(), qPrintable(reply.error().message));
        QCOMPARE(reply->toDebugString(), QStringLiteral("OK"));
        // The seed's connection and the node's: both TLS, both with our certificate.
        int onTlsPort = 0;
        const QByteArray tlsPort = ':' + QByteArray::number(node.tlsPort()) + ' ';
        for (const QByteArray &line : run(*admin, {"CLIENT", "LIST"}).bytes().split('\n'))
            onTlsPort += line.contains("laddr=127.0.0.1" + tlsPort);
        QCOMPARE(onTlsPort, 2);
    }

    void cli() {
        const QStringList base{QStringLiteral("--tls"), QStringLiteral("-p"),
                               QString::number(m_mutual->tlsPort()), QStringLiteral("--cacert"),
                               m_certs.caCert()};
        Run r = cli(base + QStringList{QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("requires a client certificate: give --cert and --key"), r.err);
        r = cli(
            base
                + QStringList{QStringLiteral("--cert"), m_certs.clientCert(),
                              QStringLiteral("--key"), m_certs.clientKeyEncrypted(),
                              QStringLiteral("streams")},
            {{QStringLiteral("STREAMSCOPE_TLS_KEY_PASSPHRASE"), TestCertificates::passphrase()}});
        QVERIFY2(r.exitCode == 0, r.err);
        r = cli(base
                + QStringList{QStringLiteral("--cert"), m_certs.clientCert(),
                              QStringLiteral("--key"), m_certs.clientKeyEncrypted(),
                              QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("STREAMSCOPE_TLS_KEY_PASSPHRASE"), r.err);
        // The URL form, and --insecure against the expired certificate.
        r = cli({QStringLiteral("-u"),
                 QStringLiteral("rediss://127.0.0.1:%1?insecure").arg(m_expired->tlsPort()),
                 QStringLiteral("streams")});
        QVERIFY2(r.exitCode == 0, r.err);
        r = cli({QStringLiteral("-u"),
                 QStringLiteral("rediss://127.0.0.1:%1").arg(m_expired->tlsPort()),
                 QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("expired on 2025-02-01"), r.err);
    }

    // A certificate problem is final: the tail fails once, it does not retry every few seconds.
    void tailFailsOnce() {
        StreamTailer::Options options;
        options.initialBackoffMs = 50;
        options.maxBackoffMs = 100;
        options.retryInitialConnect = true; // as the GUI: transient errors would be retried
        WorkerThread<StreamTailer> thread(
            QStringLiteral("tail"),
            std::make_unique<StreamTailer>(m_mutual->tlsSettings(), options));
        thread.worker()->addStream("s");
        QSignalSpy states(thread.worker(), &StreamTailer::stateChanged);
        QSignalSpy failed(thread.worker(), &StreamTailer::failed);
        QSignalSpy finished(thread.worker(), &StreamTailer::finished);
        thread.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.at(0).at(0).value<Error>().kind, Error::Kind::Tls);
        for (const QList<QVariant> &s : states)
            QVERIFY(s.at(0).value<TailState>() != TailState::Reconnecting);
        QCOMPARE(states.last().at(0).value<TailState>(), TailState::Failed);
        QVERIFY(states.last().at(1).toString().contains(QLatin1String("client certificate")));
    }

    // ... and the poller reports it once, then waits for the user.
    void pollerReportsOnce() {
        ServerPoller::Options options;
        options.intervalMs = 100;
        WorkerThread<ServerPoller> thread(
            QStringLiteral("poll"),
            std::make_unique<ServerPoller>(m_wrongName->tlsSettings(), options));
        QSignalSpy failures(thread.worker(), &ServerPoller::pollFailed);
        thread.start();
        QTRY_COMPARE_WITH_TIMEOUT(failures.size(), 1, 5000);
        QTest::qWait(1500); // a transient error would be reported again every second
        QCOMPARE(failures.size(), 1);
        QCOMPARE(failures.at(0).at(0).value<Error>().kind, Error::Kind::Tls);
        thread.worker()->pollNow(); // F5: tried again
        QTRY_COMPARE_WITH_TIMEOUT(failures.size(), 2, 5000);

        // The consumer groups' poller alike.
        GroupPoller::Options groupOptions;
        groupOptions.intervalMs = 100;
        WorkerThread<GroupPoller> groups(
            QStringLiteral("groups"),
            std::make_unique<GroupPoller>(m_wrongName->tlsSettings(), groupOptions));
        QSignalSpy groupFailures(groups.worker(), &GroupPoller::pollFailed);
        groups.start();
        QTRY_COMPARE_WITH_TIMEOUT(groupFailures.size(), 1, 5000);
        QTest::qWait(1500);
        QCOMPARE(groupFailures.size(), 1);
    }

    // ... and the services exit with it: a consumer, and the order service (its relay and its
    // payment-outcome consumer).
    void servicesExit_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QStringList>("extra");
        QTest::newRow("notification-service") << "notification-service" << QStringList();
        QTest::newRow("order-service")
            << "order-service"
            << QStringList{QStringLiteral("--http"), QStringLiteral("0"), QStringLiteral("--db"),
                           m_certs.path(QStringLiteral("orders.db"))};
    }
    void servicesExit() {
        QFETCH(QString, program);
        QFETCH(QStringList, extra);
        ServiceProcess service(
            program,
            QStringList{QStringLiteral("--url"),
                        QStringLiteral("rediss://127.0.0.1:%1?cacert=%2")
                            .arg(QString::number(m_mutual->tlsPort()), m_certs.caCert())}
                + extra,
            m_certs.path(program + QStringLiteral(".log")));
        QVERIFY(service.start());
        QTRY_VERIFY_WITH_TIMEOUT(!service.running(), 10000);
        QCOMPARE(service.exitCode(), 1);
        QVERIFY2(service.log().contains(QLatin1String("requires a client certificate: give --cert "
                                                      "and --key")),
                 qPrintable(service.log()));
    }

    void unixSocketMessages() {
        auto message = [](const QString &path) {
            ConnectionSettings s;
            s.transport = ConnectionSettings::Transport::Unix;
            s.socketPath = path;
            s.connectTimeoutMs = 1000;
            return tryOpen(s).message;
        };
        QCOMPARE(message(m_certs.path(QStringLiteral("none.sock"))),
                 QStringLiteral("no socket at %1: is the server running, with this unixsocket "
                                "path?")
                     .arg(m_certs.path(QStringLiteral("none.sock"))));
        QCOMPARE(message(m_certs.caCert()),
                 QStringLiteral("%1 is not a socket: give the server's unixsocket path")
                     .arg(m_certs.caCert()));
        // A socket file nobody listens on, as a server that was killed leaves it.
        const QString stale = m_certs.path(QStringLiteral("stale.sock"));
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        QVERIFY(fd >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray encoded = QFile::encodeName(stale);
        QVERIFY(size_t(encoded.size()) < sizeof(address.sun_path));
        qstrcpy(address.sun_path, encoded.constData());
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0);
        ::close(fd);
        QVERIFY2(message(stale).startsWith(QStringLiteral("nothing listens on %1").arg(stale)),
                 qPrintable(message(stale)));
        // A relative path is taken from the working directory, as redis-cli -s does.
        const QString here = QDir::currentPath();
        QVERIFY(QDir::setCurrent(m_tls->dir()));
        QCOMPARE(message(QStringLiteral("redis.sock")), QString());
        QVERIFY(QDir::setCurrent(here));
    }

    // Permissions: root (CI) bypasses them, so there the CLI runs as "nobody".
    void unixSocketPermissionDenied() {
        if (::geteuid() != 0) {
            // Not root: permissions hold for us too; a directory we may not enter.
            const QString closed = m_certs.path(QStringLiteral("closed"));
            QVERIFY(QDir().mkdir(closed));
            QVERIFY(QFile::setPermissions(closed, {}));
            ConnectionSettings s;
            s.transport = ConnectionSettings::Transport::Unix;
            s.socketPath = closed + QStringLiteral("/redis.sock");
            const Error e = tryOpen(s);
            QVERIFY(QFile::setPermissions(closed,
                                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
            QVERIFY2(e.message.startsWith(QStringLiteral("permission denied on ") + s.socketPath),
                     qPrintable(e.message));
            return;
        }
        QProcess probe;
        probe.start(QStringLiteral("setpriv"),
                    {QStringLiteral("--reuid=nobody"), QStringLiteral("--regid=nogroup"),
                     QStringLiteral("--clear-groups"), m_cli, QStringLiteral("--help")});
        QVERIFY2(probe.waitForFinished(10000) && probe.exitCode() == 0,
                 qPrintable(QStringLiteral("cannot run %1 as nobody: %2")
                                .arg(m_cli, QString::fromUtf8(probe.readAllStandardError()))));
        auto asNobody = [this](const QString &socket) {
            QProcess p;
            p.start(QStringLiteral("setpriv"),
                    {QStringLiteral("--reuid=nobody"), QStringLiteral("--regid=nogroup"),
                     QStringLiteral("--clear-groups"), m_cli, QStringLiteral("-s"), socket,
                     QStringLiteral("streams")});
            p.waitForFinished(20000);
            return Run{p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
        };
        // The server's directory is 0700: the socket cannot even be looked at.
        Run r = asNobody(m_tls->socketPath());
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("permission denied on " + QFile::encodeName(m_tls->socketPath())),
                 r.err);
        // The directory open, the socket 0700 (unixsocketperm): it cannot be written.
        QVERIFY(QFile::setPermissions(m_tls->dir(), QFile::ReadOwner | QFile::WriteOwner
                                                        | QFile::ExeOwner | QFile::ExeOther
                                                        | QFile::ReadOther));
        r = asNobody(m_tls->socketPath());
        QVERIFY(QFile::setPermissions(m_tls->dir(),
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("may not write to the socket"), r.err);
    }

    // The time to connect with TLS and a client certificate: TCP, handshake, AUTH/SETNAME.
    void timeToConnect() {
        auto median = [](const ConnectionSettings &s) {
            QList<double> ms;
            for (int i = 0; i < 21; ++i) {
                QElapsedTimer clock;
                clock.start();
                RedisConnection c(s);
                const Error e = c.open();
                if (e)
                    qWarning("%s", qPrintable(e.message));
                ms << double(clock.nsecsElapsed()) / 1e6;
            }
            std::sort(ms.begin(), ms.end());
            return ms.at(10);
        };
        ConnectionSettings insecure = m_tls->tlsSettings();
        insecure.tls.caFile.clear();
        insecure.tlsVerifyPeer = false;
        const double withCertificate = median(mutualSettings());
        qInfo("time to connect, TLS with a client certificate (own CA, tls-auth-clients yes): "
              "median of 21: %.2f ms; TLS, own CA, no client certificate: %.2f ms; TLS "
              "--insecure: %.2f ms; plain TCP: %.2f ms",
              withCertificate, median(m_tls->tlsSettings()), median(insecure),
              median(m_tls->settings()));
        QVERIFY2(withCertificate < 200, "a TLS connect should take milliseconds");
    }

private:
    QString m_cli;
    TestCertificates m_certs;
    std::unique_ptr<LocalRedisServer> m_tls;       // client certificates not asked for
    std::unique_ptr<LocalRedisServer> m_mutual;    // tls-auth-clients yes
    std::unique_ptr<LocalRedisServer> m_wrongName; // a certificate for redis.prod
    std::unique_ptr<LocalRedisServer> m_expired;   // a certificate expired on 2025-02-01
    std::unique_ptr<LocalRedisServer> m_selfSigned;
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
