// SSH tunnels against a real sshd (TestSsh) and real redis-servers: the CLI through --ssh and
// ?ssh=, host keys unknown, trusted and changed, keys refused and with passphrases, forwarding
// refused, a tail across an sshd restart, a cluster whose every node is reached through the
// tunnel, a 50 MB reply, threads sharing one session, the time to connect and the throughput.
#include "ClusterClient.h"
#include "LocalRedisCluster.h"
#include "LocalRedisSentinel.h"
#include "RedisClient.h"
#include "SshTunnel.h"
#include "TestCluster.h"
#include "TestRedis.h"
#include "TestSsh.h"
#include "TestTls.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <ctime>

using namespace streamscope;
using namespace streamscope::test;

namespace {
struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

double processCpuMs() {
    timespec t{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1000.0 + double(t.tv_nsec) / 1e6;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}
} // namespace

class TestSshTunnel : public QObject {
    Q_OBJECT
private:
    Run cli(const QStringList &args, const QString &passphrase = {},
            const QString &agentSocket = {}, const QString &home = {}) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("REDISCLI_AUTH"));
        env.remove(QStringLiteral("SSH_AUTH_SOCK"));
        env.remove(QStringLiteral("STREAMSCOPE_SSH_KEY_PASSPHRASE"));
        if (!passphrase.isEmpty())
            env.insert(QStringLiteral("STREAMSCOPE_SSH_KEY_PASSPHRASE"), passphrase);
        if (!agentSocket.isEmpty())
            env.insert(QStringLiteral("SSH_AUTH_SOCK"), agentSocket);
        if (!home.isEmpty())
            env.insert(QStringLiteral("HOME"), home);
        p.setProcessEnvironment(env);
        p.start(m_binary, args);
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
            return {};
        }
        return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
    }
    // streamscope-cli --ssh USER@127.0.0.1:PORT --ssh-key KEY --ssh-known-hosts FILE -p REDIS
    QStringList viaSsh(const QString &key, const QString &knownHosts, quint16 redisPort,
                       const TestSsh *sshd = nullptr) const {
        const TestSsh &server = sshd ? *sshd : m_sshd;
        return {QStringLiteral("--ssh"),
                QStringLiteral("%1@127.0.0.1:%2").arg(userName()).arg(server.port()),
                QStringLiteral("--ssh-key"),
                key,
                QStringLiteral("--ssh-known-hosts"),
                knownHosts,
                QStringLiteral("-p"),
                QString::number(redisPort)};
    }
    QString userName() const { return m_sshd.settings({}, {}).user; }
    // Settings for the test's redis-server through the tunnel; a distinct known_hosts file
    // name gives a session of its own (sessions are shared per key and known_hosts file).
    ConnectionSettings tunnelled(const ConnectionSettings &server, const QString &knownHosts) {
        ConnectionSettings s = server;
        s.ssh = m_sshd.settings(m_sshd.keyFile(), knownHosts);
        return s;
    }
    QString freshKnownHosts() {
        return m_sshd.writeKnownHosts(QStringLiteral("known_hosts_%1").arg(++m_knownHostsCount),
                                      TestSsh::KnownHosts::Trusted);
    }
    int forwardsTo(quint16 port) const {
        return m_sshd.logCount(QStringLiteral("target 127.0.0.1 port %1").arg(port));
    }

private Q_SLOTS:
    void initTestCase() {
        const QString dir = qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
        m_binary = (dir.isEmpty() ? QCoreApplication::applicationDirPath() : dir)
                   + QStringLiteral("/streamscope-cli");
        QVERIFY2(QFile::exists(m_binary), qPrintable(m_binary + QStringLiteral(" not built")));
        STREAMSCOPE_START_REDIS(m_redis);
        const Error e = m_sshd.start();
        QVERIFY2(!e, qPrintable(QStringLiteral("cannot start sshd: ") + e.message));
        m_knownHosts =
            m_sshd.writeKnownHosts(QStringLiteral("known_hosts"), TestSsh::KnownHosts::Trusted);
        m_admin = connectTo(m_redis.settings());
        addEntries(*m_admin, "orders", 0, 10);
    }

    // The CLI with flags and with URL parameters; the sshd log shows the direct-tcpip
    // channel to the Redis port, and without sshd the same command fails while Redis is up.
    void cliThroughTunnel() {
        const int before = forwardsTo(m_redis.port());
        Run r = cli(viaSsh(m_sshd.keyFile(), m_knownHosts, m_redis.port())
                    + QStringList{QStringLiteral("streams")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("orders"), r.out.constData());
        QVERIFY2(forwardsTo(m_redis.port()) > before, qPrintable(m_sshd.log().right(3000)));

        const QString url = QStringLiteral("redis://127.0.0.1:%1?ssh=%2@127.0.0.1:%3&ssh-key=%4"
                                           "&ssh-known-hosts=%5")
                                .arg(m_redis.port())
                                .arg(userName())
                                .arg(m_sshd.port())
                                .arg(m_sshd.keyFile(), m_knownHosts);
        const int beforeUrl = forwardsTo(m_redis.port());
        r = cli({QStringLiteral("-u"), url, QStringLiteral("streams")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("orders"), r.out.constData());
        QVERIFY(forwardsTo(m_redis.port()) > beforeUrl);

        // "~/" in the URL's file names is the home directory, as in a shell.
        r = cli(
            {QStringLiteral("-u"),
             QStringLiteral("redis://127.0.0.1:%1?ssh=%2@127.0.0.1:%3&ssh-key=~/%4"
                            "&ssh-known-hosts=~/%5")
                 .arg(m_redis.port())
                 .arg(userName())
                 .arg(m_sshd.port())
                 .arg(QFileInfo(m_sshd.keyFile()).fileName(), QFileInfo(m_knownHosts).fileName()),
             QStringLiteral("streams")},
            {}, {}, m_sshd.dir());
        QVERIFY2(r.exitCode == 0, r.err.constData());

        // Without a user: the local user name (as ssh does).
        QStringList noUser = viaSsh(m_sshd.keyFile(), m_knownHosts, m_redis.port());
        noUser[1] = QStringLiteral("127.0.0.1:%1").arg(m_sshd.port());
        r = cli(noUser + QStringList{QStringLiteral("streams")});
        QVERIFY2(r.exitCode == 0, r.err.constData());

        m_sshd.stop();
        r = cli({QStringLiteral("-u"), url, QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("cannot reach the SSH server 127.0.0.1:%1")
                                    .arg(m_sshd.port())
                                    .toUtf8()),
                 r.err.constData());
        QVERIFY(run(*m_admin, {"PING"}).bytes() == "PONG"); // Redis itself is up
        const Error e = m_sshd.start();
        QVERIFY2(!e, qPrintable(e.message));
    }

    // An unknown host key is refused with its fingerprint (exit 3, Error::Kind::HostKey that
    // the app's prompt can read), then trusted with trustSshHostKey: only that fingerprint.
    void unknownHostKeyRefusedThenTrusted() {
        const QString fingerprint = m_sshd.hostKeyFingerprint();
        QVERIFY(fingerprint.startsWith(QLatin1String("SHA256:")));
        const QString known = m_sshd.writeKnownHosts(QStringLiteral("known_hosts_unknown"),
                                                     TestSsh::KnownHosts::Empty);
        Run r = cli(viaSsh(m_sshd.keyFile(), known, m_redis.port())
                    + QStringList{QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("the SSH server 127.0.0.1:%1 is not in known_hosts "
                                               "(%2): check the fingerprint and add it "
                                               "(ssh-keyscan -p %1 127.0.0.1 >> %3)")
                                    .arg(m_sshd.port())
                                    .arg(fingerprint, known)
                                    .toUtf8()),
                 r.err.constData());

        const ConnectionSettings::Ssh ssh = m_sshd.settings(m_sshd.keyFile(), known);
        auto forward = sshLocalForward(ssh, QStringLiteral("127.0.0.1"), m_redis.port(), 5000);
        QVERIFY(!forward.ok());
        QCOMPARE(forward.error().kind, Error::Kind::HostKey);
        QVERIFY(!forward.error().isTransient());
        const auto problem = sshHostKeyProblem(forward.error());
        QVERIFY(problem.has_value());
        QCOMPARE(problem->status, SshHostKey::Status::Unknown);
        QCOMPARE(problem->fingerprint, fingerprint);
        QCOMPARE(problem->endpoint, QStringLiteral("127.0.0.1:%1").arg(m_sshd.port()));
        QCOMPARE(problem->knownHostsFile, known);
        auto check = checkSshHostKey(ssh);
        QVERIFY2(check.ok(), qPrintable(check.error().message));
        QCOMPARE(check->status, SshHostKey::Status::Unknown);
        QCOMPARE(check->fingerprint, fingerprint);
        QCOMPARE(sshFingerprintOfPublicKey(m_sshd.knownHostsLine()), fingerprint);

        // Another fingerprint than the server's: nothing is written.
        Error e = trustSshHostKey(
            ssh, QStringLiteral("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        QCOMPARE(e.kind, Error::Kind::HostKey);
        QCOMPARE(QFileInfo(known).size(), qint64(0));
        e = trustSshHostKey(ssh, fingerprint);
        QVERIFY2(!e, qPrintable(e.message));
        r = cli(viaSsh(m_sshd.keyFile(), known, m_redis.port())
                + QStringList{QStringLiteral("streams")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("orders"));

        // known_hosts in a directory that does not exist yet (a first ~/.ssh).
        const QString fresh = m_sshd.dir() + QStringLiteral("/new-home/.ssh/known_hosts");
        QVERIFY(!trustSshHostKey(m_sshd.settings(m_sshd.keyFile(), fresh), fingerprint));
        r = cli(viaSsh(m_sshd.keyFile(), fresh, m_redis.port())
                + QStringList{QStringLiteral("streams")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    // A changed host key is refused, louder, and trustSshHostKey refuses it as well.
    void changedHostKeyRefused() {
        const QString known = m_sshd.writeKnownHosts(QStringLiteral("known_hosts_changed"),
                                                     TestSsh::KnownHosts::Changed);
        const QByteArray before = [&] {
            QFile f(known);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }();
        const int forwards = forwardsTo(m_redis.port());
        const Run r = cli(viaSsh(m_sshd.keyFile(), known, m_redis.port())
                          + QStringList{QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("the SSH host key of 127.0.0.1:%1 has CHANGED (it "
                                               "is now %2")
                                    .arg(m_sshd.port())
                                    .arg(m_sshd.hostKeyFingerprint())
                                    .toUtf8()),
                 r.err.constData());
        QVERIFY(r.err.contains("possible attack"));
        QCOMPARE(forwardsTo(m_redis.port()), forwards); // nothing went through

        const ConnectionSettings::Ssh ssh = m_sshd.settings(m_sshd.keyFile(), known);
        auto forward = sshLocalForward(ssh, QStringLiteral("127.0.0.1"), m_redis.port(), 5000);
        QVERIFY(!forward.ok());
        QCOMPARE(forward.error().kind, Error::Kind::HostKey);
        QCOMPARE(sshHostKeyProblem(forward.error())->status, SshHostKey::Status::Changed);
        const Error e = trustSshHostKey(ssh, m_sshd.hostKeyFingerprint());
        QCOMPARE(e.kind, Error::Kind::HostKey);
        QFile f(known);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
    }

    void wrongKeyRefused() {
        Run r = cli(viaSsh(m_sshd.unauthorizedKeyFile(), m_knownHosts, m_redis.port())
                    + QStringList{QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("refused the key %1 for user %2")
                                    .arg(m_sshd.unauthorizedKeyFile(), userName())
                                    .toUtf8()),
                 r.err.constData());
        r = cli(viaSsh(m_sshd.dir() + QStringLiteral("/no-such-key"), m_knownHosts, m_redis.port())
                + QStringList{QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("cannot read the SSH key"), r.err.constData());
    }

    void passphraseKey() {
        const QStringList args = viaSsh(m_sshd.passphraseKeyFile(), m_knownHosts, m_redis.port())
                                 + QStringList{QStringLiteral("streams")};
        Run r = cli(args);
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("the key %1 needs a passphrase: set "
                                               "STREAMSCOPE_SSH_KEY_PASSPHRASE")
                                    .arg(m_sshd.passphraseKeyFile())
                                    .toUtf8()),
                 r.err.constData());
        r = cli(args, QStringLiteral("not the passphrase"));
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("cannot be opened with the passphrase given"), r.err.constData());
        r = cli(args, TestSsh::passphrase());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("orders"));
    }

    // Without --ssh-key: the SSH agent's keys (ssh-agent with the authorized key added); with
    // neither a key file nor an agent, the refusal says what was tried.
    void agentKeys() {
        const QStringList args{QStringLiteral("--ssh"),
                               QStringLiteral("%1@127.0.0.1:%2").arg(userName()).arg(m_sshd.port()),
                               QStringLiteral("--ssh-known-hosts"),
                               m_knownHosts,
                               QStringLiteral("-p"),
                               QString::number(m_redis.port()),
                               QStringLiteral("streams")};
        Run r = cli(args);
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("refused every key of the SSH agent and ~/.ssh for "
                                               "user %1: give a key with --ssh-key FILE")
                                    .arg(userName())
                                    .toUtf8()),
                 r.err.constData());

        const QString socket = m_sshd.dir() + QStringLiteral("/agent.sock");
        QProcess agent;
        dieWithParent(agent);
        agent.start(QStringLiteral("ssh-agent"),
                    {QStringLiteral("-D"), QStringLiteral("-a"), socket});
        QVERIFY(agent.waitForStarted());
        QTRY_VERIFY(QFile::exists(socket));
        QProcess add;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SSH_AUTH_SOCK"), socket);
        add.setProcessEnvironment(env);
        add.start(QStringLiteral("ssh-add"), {m_sshd.keyFile()});
        QVERIFY(add.waitForFinished());
        QVERIFY2(add.exitCode() == 0, add.readAllStandardError().constData());
        r = cli(args, {}, socket);
        agent.kill();
        agent.waitForFinished();
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("orders"));
    }

    void forwardingRefused() {
        TestSsh strict(TestSsh::Options{false});
        const Error e = strict.start();
        QVERIFY2(!e, qPrintable(e.message));
        const QString known =
            strict.writeKnownHosts(QStringLiteral("known_hosts"), TestSsh::KnownHosts::Trusted);
        const Run r = cli(viaSsh(strict.keyFile(), known, m_redis.port(), &strict)
                          + QStringList{QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("the SSH server 127.0.0.1:%1 does not allow "
                                               "forwarding to 127.0.0.1:%2")
                                    .arg(strict.port())
                                    .arg(m_redis.port())
                                    .toUtf8()),
                 r.err.constData());
    }

    // An SSH server that accepts TCP but never speaks: the caller's timeout and cancel flag
    // end the handshake (a worker asked to stop is not held for the whole timeout).
    void silentSshServerTimesOutAndCancels() {
        QTcpServer silent; // never accepts: the kernel completes TCP handshakes in its backlog
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        ConnectionSettings::Ssh ssh = m_sshd.settings(m_sshd.keyFile(), m_knownHosts);
        ssh.port = silent.serverPort();
        QElapsedTimer clock;
        clock.start();
        auto forward = sshLocalForward(ssh, QStringLiteral("127.0.0.1"), m_redis.port(), 700);
        QVERIFY(!forward.ok());
        QCOMPARE(forward.error().kind, Error::Kind::Timeout);
        QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));

        std::atomic<bool> cancel{false};
        std::thread stopper([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            cancel = true;
        });
        clock.restart();
        forward = sshLocalForward(ssh, QStringLiteral("127.0.0.1"), m_redis.port(), 10000, &cancel);
        stopper.join();
        QVERIFY(!forward.ok());
        QCOMPARE(forward.error().kind, Error::Kind::Cancelled);
        QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
    }

    // A target that is down: the forward says so, naming it (and the next try works).
    void targetDownNamed() {
        const quint16 nobody = LocalRedisServer::freePort();
        ConnectionSettings s = m_redis.settings();
        s.port = nobody;
        s = tunnelled(s, m_knownHosts);
        RedisConnection c(s);
        const Error e = c.open();
        QCOMPARE(e.kind, Error::Kind::Connect);
        QVERIFY2(e.message.contains(QStringLiteral("cannot reach 127.0.0.1:%1 through the SSH "
                                                   "server 127.0.0.1:%2")
                                        .arg(nobody)
                                        .arg(m_sshd.port())),
                 qPrintable(e.message));
    }

    // A live tail through the tunnel while sshd and its sessions are killed and restarted:
    // it reconnects through a new session and prints every entry once.
    void tailSurvivesSshdRestart() {
        addEntries(*m_admin, "restarts", 0, 10);
        QProcess tail;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("SSH_AUTH_SOCK"));
        tail.setProcessEnvironment(env);
        tail.start(m_binary,
                   viaSsh(m_sshd.keyFile(), m_knownHosts, m_redis.port())
                       + QStringList{QStringLiteral("tail"), QStringLiteral("restarts"),
                                     QStringLiteral("--from"), QStringLiteral("0"),
                                     QStringLiteral("--format"), QStringLiteral("jsonl")});
        QVERIFY(tail.waitForStarted());
        QByteArray out;
        auto lines = [&] {
            out += tail.readAllStandardOutput();
            return out.count('\n');
        };
        QTRY_COMPARE_WITH_TIMEOUT(lines(), qsizetype(10), 15000);
        m_sshd.stop();
        addEntries(*m_admin, "restarts", 10, 10);
        QTest::qWait(1500);
        const Error e = m_sshd.start();
        QVERIFY2(!e, qPrintable(e.message));
        addEntries(*m_admin, "restarts", 20, 10);
        QTRY_COMPARE_WITH_TIMEOUT(lines(), qsizetype(30), 30000);
        QTest::qWait(300);
        QCOMPARE(lines(), qsizetype(30));
        const QByteArray err = tail.readAllStandardError();
        tail.kill();
        tail.waitForFinished();
        for (int i = 0; i < 30; ++i)
            QVERIFY2(out.count(QByteArray("\"seq\":\"") + QByteArray::number(i) + '"') == 1,
                     out.constData());
        QVERIFY2(err.contains("SSH"), err.constData()); // it said why it reconnected
    }

    // rediss:// through the tunnel: TLS runs end to end with Redis and the certificate is
    // verified against the Redis host name as the SSH server sees it ("localhost"), not the
    // local forward's 127.0.0.1; --sni and the CLI's --tls --cacert work through it.
    void tlsThroughTunnel() {
        TestCertificates certs;
        const Error made = certs.make();
        QVERIFY2(!made, qPrintable(made.message));
        using Tls = LocalRedisServer::Tls;
        LocalRedisServer good(
            LocalRedisServer::Options{},
            Tls{certs.serverCert(), certs.serverKey(), certs.caCert(), Tls::AuthClients::No});
        LocalRedisServer wrongName(
            LocalRedisServer::Options{},
            Tls{certs.wrongNameCert(), certs.serverKey(), certs.caCert(), Tls::AuthClients::No});
        STREAMSCOPE_START_REDIS(good);
        STREAMSCOPE_START_REDIS(wrongName);

        ConnectionSettings s = wrongName.tlsSettings();
        s.host = QStringLiteral("localhost");
        s = tunnelled(s, m_knownHosts);
        RedisConnection refused(s);
        Error e = refused.open();
        QCOMPARE(e.kind, Error::Kind::Tls);
        QVERIFY2(
            e.message.contains(QLatin1String("the certificate is for redis.prod, not localhost")),
            qPrintable(e.message));
        QVERIFY(m_sshd.logCount(QStringLiteral("target localhost port %1").arg(wrongName.tlsPort()))
                >= 1);
        s.tls.sni = QStringLiteral("redis.prod");
        RedisConnection withSni(s);
        e = withSni.open();
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(withSni.command({"PING"}).ok());

        const QStringList tls{QStringLiteral("--tls"), QStringLiteral("--cacert"), certs.caCert(),
                              QStringLiteral("-h"), QStringLiteral("localhost")};
        const Run r = cli(tls + viaSsh(m_sshd.keyFile(), m_knownHosts, good.tlsPort())
                          + QStringList{QStringLiteral("streams")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    // A Sentinel deployment behind the tunnel: the sentinels and the primary they name are
    // each reached through their own forward (sshd logs a channel to each), by URL and CLI.
    void sentinelThroughTunnel() {
        LocalRedisSentinel deployment;
        const Error e = deployment.start();
        QVERIFY2(!e,
                 qPrintable(QStringLiteral("cannot start the Sentinel deployment: ") + e.message));
        const int primary = deployment.primaryIndex();
        QVERIFY(primary >= 0);
        addEntries(*connectTo(deployment.server(primary).settings()), "behind-sentinel", 0, 5);

        const QString url = deployment.url()
                            + QStringLiteral("?ssh=%1@127.0.0.1:%2&ssh-key=%3&ssh-known-hosts=%4")
                                  .arg(userName())
                                  .arg(m_sshd.port())
                                  .arg(m_sshd.keyFile(), m_knownHosts);
        auto settings = ConnectionSettings::fromUrl(url);
        QVERIFY2(settings.ok(), qPrintable(settings.error().message));
        QVERIFY(settings->viaSentinel() && settings->viaSsh());
        auto client = openClient(settings.value());
        QVERIFY2(client.ok(), qPrintable(client.error().message));
        auto length = client.value()->command({"XLEN", "behind-sentinel"});
        QVERIFY2(length.ok(), qPrintable(length.error().message));
        QCOMPARE(length->integer(), qint64(5));
        int sentinelForwards = 0;
        for (int i = 0; i < LocalRedisSentinel::sentinelCount; ++i)
            sentinelForwards += forwardsTo(deployment.sentinelPort(i));
        QVERIFY(sentinelForwards >= 1);
        QVERIFY(forwardsTo(deployment.server(primary).port()) >= 1);

        const Run r = cli({QStringLiteral("-u"), url, QStringLiteral("streams")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("behind-sentinel"), r.out.constData());
    }

    // A 3-node cluster behind the tunnel: each node's address goes through its own forward
    // (sshd logs a direct-tcpip channel to every node's port), data from every node is read.
    void clusterThroughTunnel() {
        LocalRedisCluster cluster(LocalRedisCluster::Options{3, 0, 2000, {}});
        const Error e = cluster.start();
        QVERIFY2(!e, qPrintable(e.message));
        auto direct = openCluster(cluster.settings());
        QVERIFY(direct);
        QList<QByteArray> keys;
        for (int i = 0; i < cluster.size(); ++i) {
            const QString endpoint = QStringLiteral("127.0.0.1:%1").arg(cluster.node(i).port());
            const QByteArray key = keyOn(*direct, endpoint, "tunnelled");
            QVERIFY(!key.isEmpty());
            for (int n = 0; n <= i; ++n)
                QVERIFY(direct->command({"XADD", key, "*", "n", QByteArray::number(n)}).ok());
            keys << key;
        }
        auto through = openCluster(tunnelled(cluster.settings(), m_knownHosts));
        QVERIFY(through);
        for (int i = 0; i < keys.size(); ++i) {
            auto length = through->command({"XLEN", keys[i]});
            QVERIFY2(length.ok(), qPrintable(length.error().message));
            QCOMPARE(length->integer(), qint64(i + 1));
        }
        for (int i = 0; i < cluster.size(); ++i)
            QVERIFY2(
                forwardsTo(cluster.node(i).port()) >= 1,
                qPrintable(QStringLiteral("no forward to node %1").arg(cluster.node(i).port())));
        // And the CLI lists the streams of all three nodes through the tunnel.
        const Run r = cli(viaSsh(m_sshd.keyFile(), m_knownHosts, cluster.node(0).port())
                          + QStringList{QStringLiteral("streams")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (const QByteArray &key : keys)
            QVERIFY2(r.out.contains(key), r.out.constData());
    }

    // 50 MB in one reply through the tunnel: back-pressure from the reader and the SSH window.
    void largeReplyThroughTunnel() {
        const QByteArray value(1024 * 1024, 'v');
        QList<Command> adds;
        for (int i = 0; i < 50; ++i)
            adds.append({"XADD", "big", "*", "v", value});
        QVERIFY(m_admin->pipeline(adds).ok());
        RedisConnection c(tunnelled(m_redis.settings(), m_knownHosts));
        QVERIFY(!c.open());
        QElapsedTimer clock;
        clock.start();
        auto reply = c.command({"XRANGE", "big", "-", "+"}, 60000);
        QVERIFY2(reply.ok(), qPrintable(reply.error().message));
        const qint64 ms = clock.elapsed();
        QCOMPARE(reply->elements().size(), size_t(50));
        for (const RedisReply &entry : reply->elements())
            QCOMPARE(entry.elements().at(1).elements().at(1).bytes().size(), value.size());
        qInfo("50 MB XRANGE through the tunnel: %lld ms (%.0f MB/s)", ms,
              50.0 * 1000 / qMax<qint64>(1, ms));
        run(*m_admin, {"DEL", "big"});
    }

    // Eight threads connecting at once through a new tunnel make one SSH session.
    void threadsShareOneSession() {
        const QString known = freshKnownHosts();
        const int logins = m_sshd.logCount(QStringLiteral("Accepted publickey"));
        const int sessions = sshSessionCount();
        const ConnectionSettings s = tunnelled(m_redis.settings(), known);
        std::vector<std::thread> threads;
        std::vector<QString> errors(8);
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&, i] {
                RedisConnection c(s);
                if (Error e = c.open()) {
                    errors[size_t(i)] = e.message;
                    return;
                }
                auto pong = c.command({"PING"});
                if (!pong.ok() || pong->bytes() != "PONG")
                    errors[size_t(i)] = QStringLiteral("no PONG");
            });
        for (std::thread &t : threads)
            t.join();
        for (const QString &error : errors)
            QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(sshSessionCount(), sessions + 1);
        QCOMPARE(m_sshd.logCount(QStringLiteral("Accepted publickey")), logins + 1);
    }

    // Eight connections of one session busy at once, with replies larger than the channel
    // window: none stalls (a reply whose bytes libssh buffered while serving another
    // connection must still be delivered), every reply is whole.
    void concurrentTrafficOnOneSession() {
        const QByteArray value(4096, 'w');
        QList<Command> adds;
        for (int i = 0; i < 64; ++i)
            adds.append({"XADD", "shared", "*", "v", value});
        QVERIFY(m_admin->pipeline(adds).ok());
        const ConnectionSettings s = tunnelled(m_redis.settings(), m_knownHosts);
        std::vector<std::thread> threads;
        std::vector<QString> errors(8);
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&, i] {
                RedisConnection c(s);
                if (Error e = c.open()) {
                    errors[size_t(i)] = e.message;
                    return;
                }
                for (int n = 0; n < 40; ++n) {
                    auto reply = c.command({"XRANGE", "shared", "-", "+"});
                    if (!reply.ok() || reply->elements().size() != 64) {
                        errors[size_t(i)] =
                            reply.ok() ? QStringLiteral("short reply") : reply.error().message;
                        return;
                    }
                }
            });
        for (std::thread &t : threads)
            t.join();
        for (const QString &error : errors)
            QVERIFY2(error.isEmpty(), qPrintable(error));
        qInfo("8 connections x 40 XRANGE of 260 KB through one SSH session: %lld ms",
              clock.elapsed());
        run(*m_admin, {"DEL", "shared"});
    }

    // A connection through a tunnel whose sshd dies sees an Io error, and sshTunnelLost says
    // it was the tunnel; the next connection makes a new session once sshd is back.
    void tunnelLossIsNamed() {
        const ConnectionSettings s = tunnelled(m_redis.settings(), freshKnownHosts());
        RedisConnection c(s);
        QVERIFY(!c.open());
        QVERIFY(sshTunnelLost(s.ssh).isEmpty());
        m_sshd.stop();
        auto reply = c.command({"PING"});
        QVERIFY(!reply.ok());
        QCOMPARE(reply.error().kind, Error::Kind::Io);
        QTRY_VERIFY(!sshTunnelLost(s.ssh).isEmpty());
        QVERIFY2(
            sshTunnelLost(s.ssh).startsWith(
                QStringLiteral("the SSH connection to 127.0.0.1:%1 was lost").arg(m_sshd.port())),
            qPrintable(sshTunnelLost(s.ssh)));
        const Error e = m_sshd.start();
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(!c.open());
        QVERIFY(c.command({"PING"}).ok());
        QVERIFY(sshTunnelLost(s.ssh).isEmpty());
    }

    // A frozen SSH server (TCP still acknowledged, nothing answers): the keepalive finds it
    // silent, the session is given up and its connections close, so they reconnect instead of
    // waiting forever on a tunnel that looks open.
    void frozenSshServerGivenUp() {
        setSshKeepAliveInterval(700); // (given up after 1.4 s of silence)
        const ConnectionSettings s = tunnelled(m_redis.settings(), freshKnownHosts());
        RedisConnection c(s);
        QVERIFY(!c.open());
        QTest::qWait(2500); // quiet but answering keepalives: kept
        QVERIFY2(sshTunnelLost(s.ssh).isEmpty(), qPrintable(sshTunnelLost(s.ssh)));
        QVERIFY(c.command({"PING"}).ok());
        m_sshd.freezeSessions(true);
        QTRY_VERIFY_WITH_TIMEOUT(!sshTunnelLost(s.ssh).isEmpty(), 8000);
        const QString why = sshTunnelLost(s.ssh);
        m_sshd.freezeSessions(false);
        setSshKeepAliveInterval(30000);
        QVERIFY2(why.contains(QLatin1String("did not answer for")), qPrintable(why));
        QVERIFY(!c.command({"PING"}).ok()); // its connection was closed
        RedisConnection again(s);
        QVERIFY(!again.open());
        QVERIFY(again.command({"PING"}).ok());
    }

    // A session nobody uses logs out after the idle timeout (one wake-up, no polling), and the
    // next connection makes a new one.
    void unusedSessionLogsOut() {
        setSshSessionIdleTimeout(400); // (other unused sessions of this test log out too)
        const ConnectionSettings s = tunnelled(m_redis.settings(), freshKnownHosts());
        const int logouts = m_sshd.logCount(QStringLiteral("Received disconnect from"));
        {
            RedisConnection c(s);
            QVERIFY(!c.open());
            QTest::qWait(800); // in use: stays
            QVERIFY(c.command({"PING"}).ok());
            QVERIFY(sshTunnelLost(s.ssh).isEmpty());
        }
        QTRY_VERIFY_WITH_TIMEOUT(!sshTunnelLost(s.ssh).isEmpty(), 3000);
        QVERIFY2(sshTunnelLost(s.ssh).contains(QLatin1String("closed after 400 ms unused")),
                 qPrintable(sshTunnelLost(s.ssh)));
        QTRY_VERIFY(m_sshd.logCount(QStringLiteral("Received disconnect from")) > logouts);
        setSshSessionIdleTimeout(60000);
        RedisConnection again(s);
        QVERIFY(!again.open());
        QVERIFY(again.command({"PING"}).ok());
        QVERIFY(sshTunnelLost(s.ssh).isEmpty());
    }

    // The time to connect: the first through a new tunnel (TCP, key exchange, host key,
    // authentication, the forward), later ones reusing the session; an idle tunnel costs no CPU.
    void connectTimesAndIdleCost() {
        const ConnectionSettings s = tunnelled(m_redis.settings(), freshKnownHosts());
        QElapsedTimer clock;
        clock.start();
        {
            RedisConnection first(s);
            QVERIFY(!first.open());
        }
        const double firstMs = clock.nsecsElapsed() / 1e6;
        std::vector<double> later, direct;
        for (int i = 0; i < 20; ++i) {
            clock.restart();
            RedisConnection c(s);
            QVERIFY(!c.open());
            later.push_back(clock.nsecsElapsed() / 1e6);
            clock.restart();
            RedisConnection d(m_redis.settings());
            QVERIFY(!d.open());
            direct.push_back(clock.nsecsElapsed() / 1e6);
        }
        qInfo("connect through the SSH tunnel: first %.1f ms (SSH handshake included), then "
              "median %.2f ms over 20 (direct: median %.2f ms)",
              firstMs, median(later), median(direct));

        RedisConnection idle(s);
        QVERIFY(!idle.open());
        const double before = processCpuMs();
        QThread::msleep(2000);
        const double spent = processCpuMs() - before;
        qInfo("CPU of the process over 2 s with idle tunnels: %.1f ms", spent);
        QVERIFY2(spent < 50, qPrintable(QStringLiteral("%1 ms of CPU at rest").arg(spent)));
        QVERIFY(idle.command({"PING"}).ok());
    }

    // 1,000,000 small entries drained by `tail --exit-at-end` directly and through the tunnel.
    void drainThroughput() {
        for (int first = 0; first < 1000000; first += 20000)
            addEntries(*m_admin, "million", first, 20000);
        auto drain = [&](const QStringList &connection) -> double {
            QElapsedTimer clock;
            clock.start();
            const Run r = cli(connection
                              + QStringList{QStringLiteral("tail"), QStringLiteral("million"),
                                            QStringLiteral("--from"), QStringLiteral("0"),
                                            QStringLiteral("--exit-at-end"),
                                            QStringLiteral("--format"), QStringLiteral("count")});
            const double seconds = clock.nsecsElapsed() / 1e9;
            if (r.exitCode != 0 || r.out.trimmed() != "1000000") {
                qWarning("drain failed: %s %s", r.out.constData(), r.err.constData());
                return -1;
            }
            return seconds;
        };
        const double direct = drain({QStringLiteral("-p"), QString::number(m_redis.port())});
        const double tunnelled = drain(viaSsh(m_sshd.keyFile(), m_knownHosts, m_redis.port()));
        QVERIFY(direct > 0);
        QVERIFY(tunnelled > 0);
        qInfo("1,000,000 entries drained by tail --exit-at-end: directly %.2f s (%.0f entries/s), "
              "through the SSH tunnel %.2f s (%.0f entries/s)",
              direct, 1e6 / direct, tunnelled, 1e6 / tunnelled);
        // Without quick ACKs on the SSH socket it took 42 s (Nagle in sshd); with them 1-6 s
        // on a loaded machine.
        QVERIFY2(tunnelled < 10 * direct + 5, "the tunnel is far slower than a direct connection");
        run(*m_admin, {"DEL", "million"});
    }

private:
    QString m_binary;
    LocalRedisServer m_redis;
    TestSsh m_sshd;
    QString m_knownHosts;
    int m_knownHostsCount = 0;
    std::unique_ptr<RedisConnection> m_admin;
};

QTEST_GUILESS_MAIN(TestSshTunnel)
#include "tst_ssh.moc"
