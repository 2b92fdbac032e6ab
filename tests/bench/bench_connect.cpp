// Time to connect, per deployment (issue 11): plain TCP (the baseline of the same run), a Unix
// socket, TLS with a client certificate, a replica, a restricted ACL user with the permission
// probe, Sentinel, an SSH tunnel (the first connect with its SSH login, then later ones on the
// shared session). Each is an open client ready for commands (openClient: the deployment's
// probe, AUTH, CLIENT SETNAME) and one PING, measured N times in this process; then the whole
// `streamscope-cli streams` command, process start included, a few times.
//
//   bench_connect [N]        (default 50)

#include "BenchSupport.h"
#include "CliProcess.h"
#include "LocalRedisSentinel.h"
#include "Permissions.h"
#include "RedisClient.h"
#include "SshTunnel.h"
#include "TestSsh.h"
#include "TestTls.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace streamscope;

namespace {

struct Figures {
    double medianMs = 0;
    double p90Ms = 0;
    QString error;
};

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

// connect() opens, pings and closes once; its error ends the measurement.
Figures measure(int n, const std::function<Error()> &connect) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
        QElapsedTimer t;
        t.start();
        if (Error e = connect())
            return {0, 0, e.message};
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    return {percentile(ms, 0.5), percentile(ms, 0.9), {}};
}

Error openAndPing(const ConnectionSettings &settings, bool probe = false) {
    auto client = openClient(settings);
    if (!client.ok())
        return client.error();
    if (probe && !probePermissions(*client.value()).probed)
        return Error(Error::Kind::Server, QStringLiteral("the permission probe did not run"));
    auto pong = client.value()->command({"PING"});
    if (!pong.ok())
        return pong.error();
    return pong->isError() ? Error(Error::Kind::Server, pong->errorMessage()) : Error();
}

double cliMs(const QStringList &args, const QHash<QString, QString> &env, QString *error) {
    std::vector<double> ms;
    for (int i = 0; i < 5; ++i) {
        QElapsedTimer t;
        t.start();
        const test::CliRun run = test::runCli(args + QStringList{QStringLiteral("streams")}, env);
        if (run.exitCode != 0) {
            *error = QString::fromUtf8(run.err.trimmed());
            return 0;
        }
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    return percentile(ms, 0.5);
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const int n = argc > 1 ? std::max(5, atoi(argv[1])) : 50;

    LocalRedisServer plain;
    test::TestCertificates certs;
    if (!bench::done(certs.make(), "certificates"))
        return 1;
    using Tls = LocalRedisServer::Tls;
    LocalRedisServer tls(LocalRedisServer::Options{}, Tls{certs.serverCert(), certs.serverKey(),
                                                          certs.caCert(), Tls::AuthClients::Yes});
    LocalRedisSentinel sentinel;
    test::TestSsh sshd;
    if (!bench::startServer(plain) || !bench::startServer(tls)
        || !bench::done(sentinel.start(), "sentinel deployment")
        || !bench::done(sshd.start(), "sshd"))
        return 1;
    LocalRedisServer::Options replicaOptions;
    replicaOptions.extraArgs = {QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"),
                                QString::number(plain.port())};
    LocalRedisServer replica(replicaOptions);
    if (!bench::startServer(replica))
        return 1;

    // A monitoring user made of the rule acl-rule prints.
    {
        auto admin = openClient(plain.settings());
        if (!bench::done(admin, "admin connection"))
            return 1;
        QList<QByteArray> rule{"ACL", "SETUSER", "mon", "reset", "on", ">pw", "~order-*"};
        for (const QString &word : aclRuleCommands(false))
            rule << word.toUtf8();
        auto made = admin.value()->command(rule);
        if (!bench::done(made, "ACL SETUSER") || made->isError()) {
            std::fprintf(stderr, "ACL SETUSER: %s\n", qPrintable(made->errorMessage()));
            return 1;
        }
    }

    ConnectionSettings tcp = plain.settings();
    ConnectionSettings unix;
    unix.transport = ConnectionSettings::Transport::Unix;
    unix.socketPath = plain.socketPath();
    ConnectionSettings tlsClient = tls.tlsSettings();
    tlsClient.tls.certFile = certs.clientCert();
    tlsClient.tls.keyFile = certs.clientKey();
    ConnectionSettings acl = tcp;
    acl.user = QStringLiteral("mon");
    acl.password = QStringLiteral("pw");
    const QString knownHosts =
        sshd.writeKnownHosts(QStringLiteral("known_hosts"), test::TestSsh::KnownHosts::Trusted);
    ConnectionSettings ssh = tcp;
    ssh.ssh = sshd.settings(sshd.keyFile(), knownHosts);

    struct Row {
        const char *name;
        Figures figures;
        double cliMs = 0;
        QString cliError;
    };
    std::vector<Row> rows;
    auto add = [&](const char *name, const ConnectionSettings &s, bool probe, QStringList cliArgs,
                   QHash<QString, QString> env = {}) {
        Row row{name, measure(n, [&] { return openAndPing(s, probe); }), 0, {}};
        if (!cliArgs.isEmpty())
            row.cliMs = cliMs(cliArgs, env, &row.cliError);
        rows.push_back(row);
    };
    const QString port = QString::number(plain.port());
    add("TCP (baseline)", tcp, false, {QStringLiteral("-p"), port});
    add("Unix socket", unix, false, {QStringLiteral("-s"), plain.socketPath()});
    add("TLS + client certificate", tlsClient, false,
        {QStringLiteral("-u"), tls.tlsUrl(), QStringLiteral("--cacert"), certs.caCert(),
         QStringLiteral("--cert"), certs.clientCert(), QStringLiteral("--key"), certs.clientKey()});
    add("replica", replica.settings(), false, {QStringLiteral("-u"), replica.url()});
    add("ACL user + permission probe", acl, true,
        {QStringLiteral("-p"), port, QStringLiteral("--user"), QStringLiteral("mon")},
        {{QStringLiteral("REDISCLI_AUTH"), QStringLiteral("pw")}});
    add("Sentinel (3 sentinels)", sentinel.settings(), false,
        {QStringLiteral("-u"), sentinel.url()});

    // The SSH tunnel: the first connect logs in; later ones share the session.
    Row first{"SSH tunnel, first (login)", measure(1, [&] { return openAndPing(ssh); }), 0, {}};
    rows.push_back(first);
    add("SSH tunnel, later", ssh, false,
        {QStringLiteral("-p"), port, QStringLiteral("--ssh"),
         QStringLiteral("%1@127.0.0.1:%2").arg(ssh.ssh.user).arg(sshd.port()),
         QStringLiteral("--ssh-key"), sshd.keyFile(), QStringLiteral("--ssh-known-hosts"),
         knownHosts});

    std::printf("Time to connect (open client + PING), %d connects each, in-process; and\n"
                "`streamscope-cli ... streams` whole (process start included), median of 5\n\n",
                n);
    std::printf("%-30s %10s %10s %8s %12s\n", "deployment", "median ms", "p90 ms", "x TCP",
                "cli ms");
    const double base = rows.front().figures.medianMs;
    for (const Row &r : rows) {
        if (!r.figures.error.isEmpty()) {
            std::printf("%-30s failed: %s\n", r.name, qPrintable(r.figures.error));
            continue;
        }
        std::printf("%-30s %10.3f %10.3f %8.1f %12s\n", r.name, r.figures.medianMs, r.figures.p90Ms,
                    base > 0 ? r.figures.medianMs / base : 0,
                    !r.cliError.isEmpty() ? qPrintable(QStringLiteral("failed: ") + r.cliError)
                    : r.cliMs > 0         ? qPrintable(QString::number(r.cliMs, 'f', 1))
                                          : "-");
    }
    return 0;
}
