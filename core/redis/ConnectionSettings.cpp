#include "ConnectionSettings.h"

#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

#include <limits>

namespace streamscope {

namespace {

Error urlError(const QString &url, const QString &what) {
    return Error(Error::Kind::InvalidArgument,
                 QStringLiteral("invalid Redis URL \"%1\": %2 (expected "
                                "redis://[[user]:password@]host[:port][/db], rediss://..., "
                                "unix:///path/to/socket[?db=N] or "
                                "redis+sentinel://host[:port][,host[:port]...]/MASTER[/db])")
                     .arg(ConnectionSettings::redactUrl(url), what));
}

Result<int> parseDb(const QString &url, const QString &text) {
    bool ok = false;
    const int db = text.toInt(&ok);
    if (!ok || db < 0 || text.startsWith(QLatin1Char('+')))
        return urlError(url, QStringLiteral("database \"%1\" is not a number >= 0").arg(text));
    return db;
}

// "1048576", "512K", "512M", "1G" (binary units): a byte count >= 1 KiB that fits.
Result<qint64> parseSize(const QString &url, const QString &text) {
    static const QString units = QStringLiteral("KMG");
    const qsizetype unit = text.isEmpty() ? -1 : units.indexOf(text.back().toUpper());
    bool ok = false;
    const qint64 number = (unit >= 0 ? text.chopped(1) : text).toLongLong(&ok);
    const int shift = unit >= 0 ? 10 * int(unit + 1) : 0;
    if (!ok || number <= 0 || text.startsWith(QLatin1Char('+'))
        || number > (std::numeric_limits<qint64>::max() >> shift) || (number << shift) < 1024)
        return urlError(url, QStringLiteral("max-reply \"%1\" is not a size of at least 1K, "
                                            "e.g. 512M")
                                 .arg(text));
    return number << shift;
}

// The reverse of parseSize: the largest unit that says the size exactly ("512M", "1536K").
QString sizeText(qint64 bytes) {
    for (const auto &[shift, unit] : {std::pair{30, 'G'}, std::pair{20, 'M'}, std::pair{10, 'K'}})
        if (bytes % (qint64(1) << shift) == 0)
            return QString::number(bytes >> shift) + QLatin1Char(unit);
    return QString::number(bytes);
}

const QStringList &tlsParameters() {
    static const QStringList names{QStringLiteral("cacert"), QStringLiteral("cacertdir"),
                                   QStringLiteral("cert"),   QStringLiteral("key"),
                                   QStringLiteral("sni"),    QStringLiteral("insecure")};
    return names;
}

// "?insecure", "?insecure=1", "=true", "=yes" are on; "=0", "=false", "=no" off.
Result<bool> parseFlag(const QString &url, const QString &key, const QString &value) {
    const QString v = value.toLower();
    if (v.isEmpty() || v == QLatin1String("1") || v == QLatin1String("true")
        || v == QLatin1String("yes"))
        return true;
    if (v == QLatin1String("0") || v == QLatin1String("false") || v == QLatin1String("no"))
        return false;
    return urlError(url, QStringLiteral("%1 \"%2\" is not 1 or 0").arg(key, value));
}

} // namespace

Result<ConnectionSettings> ConnectionSettings::fromUrl(const QString &input) {
    const QString url = input.trimmed();
    ConnectionSettings s;

    const int schemeEnd = url.indexOf(QStringLiteral("://"));
    if (schemeEnd <= 0)
        return urlError(url, QStringLiteral("missing scheme"));
    QString scheme = url.left(schemeEnd).toLower();
    // redis+sentinel (the issue's and redis-py's spelling) and redis-sentinel (Lettuce's).
    bool sentinel = false;
    for (const QLatin1String suffix : {QLatin1String("+sentinel"), QLatin1String("-sentinel")})
        if (scheme.endsWith(suffix)) {
            sentinel = true;
            scheme.chop(suffix.size());
        }
    if (scheme == QLatin1String("redis"))
        s.transport = Transport::Tcp;
    else if (scheme == QLatin1String("rediss"))
        s.transport = Transport::Tls;
    else if (scheme == QLatin1String("unix") && !sentinel)
        s.transport = Transport::Unix;
    else
        return urlError(url, QStringLiteral("unknown scheme \"%1\"").arg(url.left(schemeEnd)));

    QString rest = url.mid(schemeEnd + 3);

    QString query;
    if (const int q = rest.indexOf(QLatin1Char('?')); q >= 0) {
        query = rest.mid(q + 1);
        rest.truncate(q);
    }

    // Everything before the first '/' is the authority ("user:pass@host:port"); a '/' in a
    // password must be percent-encoded, as in any URL.
    const int pathStart = rest.indexOf(QLatin1Char('/'));
    const QString authority = pathStart >= 0 ? rest.left(pathStart) : rest;
    QString path = pathStart >= 0 ? rest.mid(pathStart) : QString();

    QString hostPort = authority;
    if (const int at = authority.lastIndexOf(QLatin1Char('@')); at >= 0) {
        const QString userInfo = authority.left(at);
        hostPort = authority.mid(at + 1);
        const int colon = userInfo.indexOf(QLatin1Char(':'));
        if (colon < 0) {
            // redis-cli treats "redis://secret@host" as a password.
            s.password = QUrl::fromPercentEncoding(userInfo.toUtf8());
        } else {
            s.user = QUrl::fromPercentEncoding(userInfo.left(colon).toUtf8());
            s.password = QUrl::fromPercentEncoding(userInfo.mid(colon + 1).toUtf8());
        }
    }

    if (sentinel) {
        if (hostPort.isEmpty())
            return urlError(url, QStringLiteral("missing sentinel host"));
        for (const QString &one : hostPort.split(QLatin1Char(','))) {
            auto sentinelAt = parseHostPort(one, 26379);
            if (!sentinelAt.ok())
                return urlError(url, sentinelAt.error().message);
            s.sentinel.sentinels.append(sentinelAt.value());
        }
        const QStringList parts = path.mid(1).split(QLatin1Char('/'));
        s.sentinel.masterName = QUrl::fromPercentEncoding(parts.value(0).toUtf8());
        if (s.sentinel.masterName.isEmpty())
            return urlError(url, QStringLiteral("missing the master's name after the sentinels "
                                                "(redis+sentinel://host:26379/mymaster)"));
        if (parts.size() > 2)
            return urlError(url, QStringLiteral("unexpected \"%1\" after the database")
                                     .arg(parts.mid(2).join(QLatin1Char('/'))));
        if (parts.size() == 2 && !parts.at(1).isEmpty()) {
            auto db = parseDb(url, parts.at(1));
            if (!db.ok())
                return db.error();
            s.db = db.value();
        }
        // Until a sentinel names the primary, the first sentinel stands for the server.
        s.host = s.sentinel.sentinels.first().host;
        s.port = s.sentinel.sentinels.first().port;
    } else if (s.transport == Transport::Unix) {
        if (!hostPort.isEmpty() && hostPort != QLatin1String("localhost"))
            return urlError(url, QStringLiteral("a unix URL takes no host (\"%1\"); write "
                                                "unix:///path/to/socket")
                                     .arg(hostPort));
        if (path.isEmpty() || path == QLatin1String("/"))
            return urlError(url, QStringLiteral("missing socket path"));
        s.socketPath = QUrl::fromPercentEncoding(path.toUtf8());
        s.host.clear();
        s.port = 0;
    } else {
        if (hostPort.isEmpty())
            return urlError(url, QStringLiteral("missing host"));
        QString portText;
        if (hostPort.startsWith(QLatin1Char('['))) {
            const int close = hostPort.indexOf(QLatin1Char(']'));
            if (close < 0)
                return urlError(url, QStringLiteral("unterminated IPv6 address"));
            s.host = hostPort.mid(1, close - 1);
            const QString after = hostPort.mid(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(QLatin1Char(':')))
                    return urlError(url, QStringLiteral("unexpected \"%1\" after the IPv6 "
                                                        "address")
                                             .arg(after));
                portText = after.mid(1);
            }
        } else {
            const int colon = hostPort.lastIndexOf(QLatin1Char(':'));
            s.host = colon >= 0 ? hostPort.left(colon) : hostPort;
            if (colon >= 0)
                portText = hostPort.mid(colon + 1);
        }
        if (s.host.isEmpty())
            return urlError(url, QStringLiteral("missing host"));
        if (s.host.contains(QLatin1Char(' ')))
            return urlError(url, QStringLiteral("host \"%1\" contains a space").arg(s.host));
        if (!portText.isNull()) {
            bool ok = false;
            const uint port = portText.toUInt(&ok);
            if (!ok || port == 0 || port > 65535)
                return urlError(
                    url,
                    QStringLiteral("port \"%1\" is not a number from 1 to 65535").arg(portText));
            s.port = quint16(port);
        }
        if (!path.isEmpty() && path != QLatin1String("/")) {
            auto db = parseDb(url, path.mid(1));
            if (!db.ok())
                return db.error();
            s.db = db.value();
        }
    }

    const QUrlQuery params(query);
    for (const auto &[key, value] : params.queryItems(QUrl::FullyDecoded)) {
        if (key == QLatin1String("db")) {
            auto db = parseDb(url, value);
            if (!db.ok())
                return db.error();
            s.db = db.value();
        } else if (key == QLatin1String("password")) {
            s.password = value;
        } else if (key == QLatin1String("user")) {
            s.user = value;
        } else if (key == QLatin1String("max-reply")) {
            auto size = parseSize(url, value);
            if (!size.ok())
                return size.error();
            s.maxReplyBytes = size.value();
        } else if (tlsParameters().contains(key)) {
            if (s.transport != Transport::Tls)
                return urlError(url, QStringLiteral("\"%1\" is a TLS parameter: use rediss:// "
                                                    "(or rediss+sentinel://)")
                                         .arg(key));
            if (key == QLatin1String("insecure")) {
                auto on = parseFlag(url, key, value);
                if (!on.ok())
                    return on.error();
                s.tlsVerifyPeer = !on.value();
            } else if (value.isEmpty()) {
                return urlError(url, QStringLiteral("\"%1\" needs a value").arg(key));
            }
            if (key == QLatin1String("cacert"))
                s.tls.caFile = value;
            else if (key == QLatin1String("cacertdir"))
                s.tls.caDir = value;
            else if (key == QLatin1String("cert"))
                s.tls.certFile = value;
            else if (key == QLatin1String("key"))
                s.tls.keyFile = value;
            else if (key == QLatin1String("sni"))
                s.tls.sni = value;
        } else if (key == QLatin1String("sentinel-user")
                   || key == QLatin1String("sentinel-password")) {
            if (!sentinel)
                return urlError(
                    url, QStringLiteral("\"%1\" belongs to a redis+sentinel:// URL").arg(key));
            (key == QLatin1String("sentinel-user") ? s.sentinel.user : s.sentinel.password) = value;
        } else if (key == QLatin1String("ssh")) {
            auto ssh = parseSsh(value);
            if (!ssh.ok())
                return urlError(url, ssh.error().message);
            const Ssh keep = s.ssh;
            s.ssh = ssh.value();
            s.ssh.keyFile = keep.keyFile;
            s.ssh.knownHostsFile = keep.knownHostsFile;
        } else if (key == QLatin1String("ssh-key")) {
            s.ssh.keyFile = value;
        } else if (key == QLatin1String("ssh-known-hosts")) {
            s.ssh.knownHostsFile = value;
        } else if (key.contains(QLatin1String("passphrase"))) {
            return urlError(url, QStringLiteral("\"%1\": a key's passphrase never comes from a "
                                                "URL: give it in STREAMSCOPE_TLS_KEY_PASSPHRASE "
                                                "or STREAMSCOPE_SSH_KEY_PASSPHRASE (the app keeps "
                                                "it in the keychain)")
                                     .arg(key));
        } else {
            return urlError(url, QStringLiteral("unknown parameter \"%1\"").arg(key));
        }
    }

    if (s.ssh.host.isEmpty() && (!s.ssh.keyFile.isEmpty() || !s.ssh.knownHostsFile.isEmpty()))
        return urlError(url, QStringLiteral("ssh-key and ssh-known-hosts need ssh=[user@]host"));
    if (s.ssh.host.isEmpty() == false && s.transport == Transport::Unix)
        return urlError(url, QStringLiteral("a unix socket cannot be reached through SSH"));
    if (s.password.isEmpty())
        s.password = qEnvironmentVariable("REDISCLI_AUTH");
    return s;
}

Result<ConnectionSettings::HostPort> ConnectionSettings::parseHostPort(const QString &input,
                                                                       quint16 defaultPort) {
    const QString text = input.trimmed();
    HostPort out;
    out.port = defaultPort;
    QString portText;
    if (text.startsWith(QLatin1Char('['))) {
        const int close = text.indexOf(QLatin1Char(']'));
        if (close < 0)
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("unterminated IPv6 address in \"%1\"").arg(text));
        out.host = text.mid(1, close - 1);
        const QString after = text.mid(close + 1);
        if (!after.isEmpty() && !after.startsWith(QLatin1Char(':')))
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("unexpected \"%1\" after the IPv6 address").arg(after));
        if (!after.isEmpty())
            portText = after.mid(1);
    } else {
        const int colon = text.lastIndexOf(QLatin1Char(':'));
        out.host = colon >= 0 ? text.left(colon) : text;
        if (colon >= 0)
            portText = text.mid(colon + 1);
    }
    if (out.host.isEmpty() || out.host.contains(QLatin1Char(' ')))
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("\"%1\" is not HOST[:PORT]").arg(text));
    if (!portText.isNull()) {
        bool ok = false;
        const uint port = portText.toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return Error(
                Error::Kind::InvalidArgument,
                QStringLiteral("port \"%1\" is not a number from 1 to 65535").arg(portText));
        out.port = quint16(port);
    }
    return out;
}

Result<ConnectionSettings::Ssh> ConnectionSettings::parseSsh(const QString &input) {
    Ssh ssh;
    QString rest = input.trimmed();
    if (const int at = rest.lastIndexOf(QLatin1Char('@')); at >= 0) {
        ssh.user = rest.left(at);
        rest = rest.mid(at + 1);
        if (ssh.user.isEmpty())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("ssh \"%1\": empty user before '@'").arg(input));
    }
    auto at = parseHostPort(rest, 22);
    if (!at.ok())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("ssh \"%1\": %2 (expected [user@]host[:port])")
                         .arg(input, at.error().message));
    ssh.host = at->host;
    ssh.port = at->port;
    return ssh;
}

ConnectionSettings ConnectionSettings::forServer(const QString &serverHost,
                                                 quint16 serverPort) const {
    ConnectionSettings s = *this;
    s.transport = transport == Transport::Unix ? Transport::Tcp : transport;
    s.socketPath.clear();
    s.host = serverHost;
    s.port = serverPort;
    s.sentinel = Sentinel();
    return s;
}

QString ConnectionSettings::HostPort::toString() const {
    return (host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host)
           + QLatin1Char(':') + QString::number(port);
}

bool ConnectionSettings::Tls::operator==(const Tls &o) const {
    return caFile == o.caFile && caDir == o.caDir && certFile == o.certFile && keyFile == o.keyFile
           && keyPassphrase == o.keyPassphrase && sni == o.sni;
}

bool ConnectionSettings::Sentinel::operator==(const Sentinel &o) const {
    return sentinels == o.sentinels && masterName == o.masterName && user == o.user
           && password == o.password;
}

bool ConnectionSettings::Ssh::operator==(const Ssh &o) const {
    return host == o.host && port == o.port && user == o.user && keyFile == o.keyFile
           && keyPassphrase == o.keyPassphrase && knownHostsFile == o.knownHostsFile;
}

QString ConnectionSettings::redactUrl(const QString &url) {
    static const QString hidden = QStringLiteral("***");
    QString out = url;
    // The user information ends at the last '@' before the query (an unencoded '@' or '/' in a
    // password belongs to the password). It starts after "://", or, in a URL whose scheme is
    // mistyped ("redis//u:pw@h", "redis:/u:pw@h"), after whatever stands for the scheme.
    static const QRegularExpression schemeLike(QStringLiteral("^[A-Za-z][A-Za-z0-9+.-]*:?/*"));
    const int schemeEnd = out.indexOf(QStringLiteral("://"));
    const int authorityStart =
        schemeEnd >= 0 ? schemeEnd + 3 : int(schemeLike.match(out).capturedLength());
    const int queryStart = out.indexOf(QLatin1Char('?'), authorityStart);
    const int at =
        out.lastIndexOf(QLatin1Char('@'), (queryStart >= 0 ? queryStart : out.size()) - 1);
    if (at >= authorityStart) {
        const int colon = out.indexOf(QLatin1Char(':'), authorityStart);
        const int secretStart = colon >= 0 && colon < at ? colon + 1 : authorityStart;
        if (at > secretStart)
            out.replace(secretStart, at - secretStart, hidden);
    }
    // ?password=... (and &password=...), up to the next parameter.
    if (const int q = out.indexOf(QLatin1Char('?')); q >= 0) {
        static const QRegularExpression parameter(
            QStringLiteral("([?&][^=&#]*(?:pass|secret|token)[^=&#]*=)([^&#]+)"),
            QRegularExpression::CaseInsensitiveOption);
        const QString query = out.mid(q);
        out = out.left(q) + QString(query).replace(parameter, QStringLiteral("\\1***"));
    }
    return out;
}

QString ConnectionSettings::displayUrl(bool markPassword) const {
    QString userInfo;
    const bool showPassword = markPassword && !password.isEmpty();
    if (!user.isEmpty() || showPassword)
        userInfo = QString::fromUtf8(QUrl::toPercentEncoding(user))
                   + (showPassword ? QStringLiteral(":***") : QStringLiteral(":"))
                   + QLatin1Char('@');
    // What the URL's path cannot say: a unix socket's database, and max-reply when not the
    // default (so a saved connection keeps it).
    QStringList params;
    if (transport == Transport::Unix && db)
        params << QStringLiteral("db=%1").arg(db);
    if (maxReplyBytes != ConnectionSettings().maxReplyBytes)
        params << QStringLiteral("max-reply=%1").arg(sizeText(maxReplyBytes));
    auto param = [&params](const char *key, const QString &value) {
        if (!value.isEmpty())
            params << QLatin1String(key) + QLatin1Char('=')
                          + QString::fromUtf8(QUrl::toPercentEncoding(value, "/:@"));
    };
    if (transport == Transport::Tls) {
        param("cacert", tls.caFile);
        param("cacertdir", tls.caDir);
        param("cert", tls.certFile);
        param("key", tls.keyFile);
        param("sni", tls.sni);
        if (!tlsVerifyPeer)
            params << QStringLiteral("insecure");
    }
    if (viaSentinel()) {
        param("sentinel-user", sentinel.user);
        if (!sentinel.password.isEmpty() && markPassword)
            params << QStringLiteral("sentinel-password=***");
    }
    if (viaSsh()) {
        param("ssh", (ssh.user.isEmpty() ? QString() : ssh.user + QLatin1Char('@'))
                         + HostPort{ssh.host, ssh.port}.toString());
        param("ssh-key", ssh.keyFile);
        param("ssh-known-hosts", ssh.knownHostsFile);
    }
    const QString query =
        params.isEmpty() ? QString() : QLatin1Char('?') + params.join(QLatin1Char('&'));
    if (viaSentinel()) {
        QStringList at;
        for (const HostPort &one : sentinel.sentinels)
            at << one.toString();
        return QStringLiteral("%1+sentinel://%2%3/%4%5%6")
            .arg(transport == Transport::Tls ? QStringLiteral("rediss") : QStringLiteral("redis"),
                 userInfo, at.join(QLatin1Char(',')),
                 QString::fromUtf8(QUrl::toPercentEncoding(sentinel.masterName)),
                 db ? QStringLiteral("/%1").arg(db) : QString(), query);
    }
    switch (transport) {
    case Transport::Unix:
        return QStringLiteral("unix://%1%2%3").arg(userInfo, socketPath, query);
    case Transport::Tcp:
    case Transport::Tls:
        break;
    }
    const QString h =
        host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return QStringLiteral("%1://%2%3:%4%5%6")
        .arg(transport == Transport::Tls ? QStringLiteral("rediss") : QStringLiteral("redis"),
             userInfo, h, QString::number(port), db ? QStringLiteral("/%1").arg(db) : QString(),
             query);
}

QString ConnectionSettings::endpoint() const {
    if (transport == Transport::Unix)
        return socketPath;
    if (viaSentinel()) {
        QStringList at;
        for (const HostPort &one : sentinel.sentinels)
            at << one.toString();
        return QStringLiteral("%1 via sentinel %2")
            .arg(sentinel.masterName, at.join(QLatin1Char(',')));
    }
    return (host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host)
           + QLatin1Char(':') + QString::number(port);
}

bool ConnectionSettings::operator==(const ConnectionSettings &o) const {
    return transport == o.transport && host == o.host && port == o.port
           && socketPath == o.socketPath && user == o.user && password == o.password && db == o.db
           && tlsVerifyPeer == o.tlsVerifyPeer && tls == o.tls && sentinel == o.sentinel
           && ssh == o.ssh;
}

} // namespace streamscope
