#include "ConnectionOptions.h"

namespace streamscope {

namespace {

QString opt(const char *name) {
    return QString::fromLatin1(name);
}

Error flagError(const QString &flag, const QString &what) {
    return Error(Error::Kind::InvalidArgument, QStringLiteral("%1: %2").arg(flag, what));
}

} // namespace

QList<QCommandLineOption> ConnectionOptions::options(Letters letters) {
    QList<QCommandLineOption> list;
    if (letters == Letters::RedisCli)
        list << QCommandLineOption({opt("u"), opt("url")}, opt("Server URL."), opt("URL"))
             << QCommandLineOption(opt("h"), opt("Host."), opt("HOST"))
             << QCommandLineOption(opt("p"), opt("Port."), opt("PORT"))
             << QCommandLineOption(opt("n"), opt("Database number."), opt("DB"))
             << QCommandLineOption(opt("s"), opt("Unix socket."), opt("SOCKET"))
             << QCommandLineOption(opt("a"), opt("Password."), opt("PASSWORD"));
    else
        list << QCommandLineOption(opt("url"),
                                   opt("Redis URL (default redis://127.0.0.1:6379; the password "
                                       "may come from REDISCLI_AUTH)."),
                                   opt("URL"));
    list << QCommandLineOption(opt("user"), opt("ACL user."), opt("USER"))
         << QCommandLineOption(opt("tls"), opt("Use TLS (as rediss://)."))
         << QCommandLineOption(opt("cacert"), opt("CA certificate file to verify the server."),
                               opt("FILE"))
         << QCommandLineOption(opt("cacertdir"), opt("Directory of CA certificates."), opt("DIR"))
         << QCommandLineOption(opt("cert"), opt("Client certificate (PEM)."), opt("FILE"))
         << QCommandLineOption(opt("key"), opt("Client certificate's private key (PEM)."),
                               opt("FILE"))
         << QCommandLineOption(opt("sni"), opt("Server name to ask for and verify."), opt("NAME"))
         << QCommandLineOption(opt("insecure"), opt("Do not verify the server's certificate."))
         << QCommandLineOption(opt("sentinel"), opt("A sentinel to ask (repeatable)."),
                               opt("HOST:PORT"))
         << QCommandLineOption(opt("master"), opt("The master's name at the sentinels."),
                               opt("NAME"))
         << QCommandLineOption(opt("ssh"), opt("Connect through an SSH tunnel."),
                               opt("[USER@]HOST[:PORT]"))
         << QCommandLineOption(opt("ssh-key"), opt("SSH private key."), opt("FILE"))
         << QCommandLineOption(opt("ssh-known-hosts"), opt("SSH known_hosts file."), opt("FILE"));
    return list;
}

QStringList ConnectionOptions::takingValue(Letters letters) {
    QStringList names;
    for (const QCommandLineOption &o : options(letters)) {
        if (o.valueName().isEmpty())
            continue;
        for (const QString &name : o.names())
            names << (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name;
    }
    return names;
}

QString ConnectionOptions::help(Letters letters) {
    QString text;
    if (letters == Letters::RedisCli)
        text += opt("  -u, --url URL           redis://[[user]:password@]host[:port][/db], "
                    "rediss://...,\n"
                    "                          unix:///path/to/socket[?db=N],\n"
                    "                          redis+sentinel://host[:port][,...]/MASTER[/db]\n"
                    "                          (default redis://127.0.0.1:6379)\n"
                    "  -h HOST  -p PORT  -n DB  -s SOCKET  --user USER  -a PASSWORD\n"
                    "                          Override parts of the URL. The password may also "
                    "come from the\n"
                    "                          REDISCLI_AUTH environment variable (safer than -a: "
                    "a password\n"
                    "                          given with -a or -u is warned about unless "
                    "--no-auth-warning).\n");
    else
        text +=
            opt("  --url URL               redis://, rediss://, unix://, redis+sentinel:// "
                "(as streamscope-cli)\n"
                "  --user USER             ACL user (the password: REDISCLI_AUTH or the URL)\n");
    text += opt("  --tls                   Use TLS; the system's CA store verifies the server\n"
                "  --cacert FILE  --cacertdir DIR\n"
                "                          Verify the server with this CA (a private CA)\n"
                "  --cert FILE  --key FILE A client certificate and its key (PEM), for servers\n"
                "                          with tls-auth-clients; a key's passphrase comes from\n"
                "                          STREAMSCOPE_TLS_KEY_PASSPHRASE\n"
                "  --sni NAME              The server name to ask for and verify\n"
                "  --insecure              Do not verify the server's certificate\n"
                "  --sentinel HOST[:PORT]  Ask this sentinel for the primary (repeatable; port\n"
                "                          26379 by default); with --master NAME\n"
                "  --ssh [USER@]HOST[:PORT]\n"
                "                          Through an SSH tunnel (every node through it);\n"
                "  --ssh-key FILE          its key (else the agent, then ~/.ssh), a passphrase "
                "from\n"
                "                          STREAMSCOPE_SSH_KEY_PASSPHRASE;\n"
                "  --ssh-known-hosts FILE  its known hosts (default ~/.ssh/known_hosts)\n");
    return text;
}

Result<ConnectionSettings> ConnectionOptions::settingsFrom(const QCommandLineParser &p,
                                                           Letters letters,
                                                           const QString &defaultUrl) {
    const bool cli = letters == Letters::RedisCli;
    auto parsed =
        ConnectionSettings::fromUrl(p.isSet(opt("url")) ? p.value(opt("url")) : defaultUrl);
    if (!parsed.ok())
        return parsed.error();
    ConnectionSettings s = parsed.value();
    if (cli && p.isSet(opt("h"))) {
        s.host = p.value(opt("h"));
        if (s.transport == ConnectionSettings::Transport::Unix) {
            s.transport = ConnectionSettings::Transport::Tcp;
            s.socketPath.clear();
            s.port = 6379;
        }
    }
    if (cli && p.isSet(opt("p"))) {
        bool ok = false;
        const uint port = p.value(opt("p")).toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return flagError(
                opt("-p"),
                QStringLiteral("\"%1\" is not a port number (1-65535)").arg(p.value(opt("p"))));
        s.port = quint16(port);
    }
    if (cli && p.isSet(opt("n"))) {
        bool ok = false;
        s.db = p.value(opt("n")).toInt(&ok);
        if (!ok || s.db < 0)
            return flagError(
                opt("-n"),
                QStringLiteral("\"%1\" is not a database number").arg(p.value(opt("n"))));
    }
    if (cli && p.isSet(opt("s"))) {
        s.transport = ConnectionSettings::Transport::Unix;
        s.socketPath = p.value(opt("s"));
    }
    if (p.isSet(opt("tls"))) {
        // Taken as TLS, a socket path would be dropped for the default 127.0.0.1:6379.
        if (s.transport == ConnectionSettings::Transport::Unix)
            return flagError(opt("--tls"), QStringLiteral("a unix socket is reached without TLS: "
                                                          "leave out --tls, or give the TLS "
                                                          "port with -h HOST -p PORT"));
        s.transport = ConnectionSettings::Transport::Tls;
    }
    if (p.isSet(opt("user")))
        s.user = p.value(opt("user"));
    if (cli && p.isSet(opt("a")))
        s.password = p.value(opt("a"));

    const struct {
        const char *flag;
        QString *field;
    } tlsFiles[] = {{"cacert", &s.tls.caFile},
                    {"cacertdir", &s.tls.caDir},
                    {"cert", &s.tls.certFile},
                    {"key", &s.tls.keyFile},
                    {"sni", &s.tls.sni}};
    for (const auto &f : tlsFiles) {
        if (!p.isSet(opt(f.flag)))
            continue;
        if (s.transport != ConnectionSettings::Transport::Tls)
            return flagError(QStringLiteral("--%1").arg(opt(f.flag)),
                             QStringLiteral("a TLS option: add --tls or use a rediss:// URL"));
        *f.field = p.value(opt(f.flag));
    }
    if (p.isSet(opt("insecure"))) {
        if (s.transport != ConnectionSettings::Transport::Tls)
            return flagError(opt("--insecure"),
                             QStringLiteral("a TLS option: add --tls or use a rediss:// URL"));
        s.tlsVerifyPeer = false;
    }
    if (s.transport == ConnectionSettings::Transport::Tls && s.tls.keyPassphrase.isEmpty())
        s.tls.keyPassphrase = qEnvironmentVariable("STREAMSCOPE_TLS_KEY_PASSPHRASE");
    if (!s.tls.certFile.isEmpty() != !s.tls.keyFile.isEmpty())
        return flagError(s.tls.certFile.isEmpty() ? opt("--key") : opt("--cert"),
                         QStringLiteral("a client certificate needs both --cert FILE and "
                                        "--key FILE"));

    if (p.isSet(opt("sentinel")) || p.isSet(opt("master"))) {
        if (!p.isSet(opt("master")) && !s.viaSentinel())
            return flagError(opt("--sentinel"),
                             QStringLiteral("give the master's name with --master NAME"));
        if (p.isSet(opt("sentinel"))) {
            s.sentinel.sentinels.clear();
            for (const QString &one : p.values(opt("sentinel"))) {
                auto at = ConnectionSettings::parseHostPort(one, 26379);
                if (!at.ok())
                    return flagError(opt("--sentinel"), at.error().message);
                s.sentinel.sentinels << at.value();
            }
        } else if (!s.viaSentinel()) {
            return flagError(opt("--master"),
                             QStringLiteral("give the sentinels with --sentinel HOST[:PORT] "
                                            "(repeatable) or a redis+sentinel:// URL"));
        }
        if (p.isSet(opt("master")))
            s.sentinel.masterName = p.value(opt("master"));
        if (s.sentinel.masterName.isEmpty())
            return flagError(opt("--master"), QStringLiteral("the master's name is empty"));
        s.host = s.sentinel.sentinels.first().host;
        s.port = s.sentinel.sentinels.first().port;
        if (s.transport == ConnectionSettings::Transport::Unix)
            return flagError(opt("--sentinel"),
                             QStringLiteral("sentinels are reached over TCP, not a unix socket"));
    }

    // Through Sentinel the sentinels name the server: a server's own address would be ignored.
    if (s.viaSentinel() && cli) {
        for (const char *flag : {"h", "p", "s"})
            if (p.isSet(opt(flag)))
                return flagError(QStringLiteral("-%1").arg(opt(flag)),
                                 QStringLiteral("through Sentinel the sentinels name the server: "
                                                "give the sentinels (--sentinel HOST:PORT or the "
                                                "redis+sentinel:// URL), not a server's address"));
    }
    if (p.isSet(opt("ssh"))) {
        auto ssh = ConnectionSettings::parseSsh(p.value(opt("ssh")));
        if (!ssh.ok())
            return flagError(opt("--ssh"), ssh.error().message);
        const ConnectionSettings::Ssh keep = s.ssh;
        s.ssh = ssh.value();
        s.ssh.keyFile = keep.keyFile;
        s.ssh.knownHostsFile = keep.knownHostsFile;
    }
    for (const char *flag : {"ssh-key", "ssh-known-hosts"}) {
        if (!p.isSet(opt(flag)))
            continue;
        if (!s.viaSsh())
            return flagError(QStringLiteral("--%1").arg(opt(flag)),
                             QStringLiteral("needs --ssh [USER@]HOST[:PORT]"));
        (qstrcmp(flag, "ssh-key") == 0 ? s.ssh.keyFile : s.ssh.knownHostsFile) = p.value(opt(flag));
    }
    if (s.viaSsh() && s.transport == ConnectionSettings::Transport::Unix)
        return flagError(opt("--ssh"), QStringLiteral("a unix socket cannot be reached through "
                                                      "SSH: give the server's host and port"));
    if (s.viaSsh() && s.ssh.keyPassphrase.isEmpty())
        s.ssh.keyPassphrase = qEnvironmentVariable("STREAMSCOPE_SSH_KEY_PASSPHRASE");
    return s;
}

} // namespace streamscope
