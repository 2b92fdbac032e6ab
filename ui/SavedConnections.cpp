#include "SavedConnections.h"

#include <QEventLoop>
#include <QRegularExpression>
#include <QSettings>
#include <QTimer>

#include <qt6keychain/keychain.h>

namespace streamscope {

namespace {

// Runs a QtKeychain job to its end (a local event loop: the window keeps painting), with a
// bound on the wait. Returns the job's error, QKeychain::NoError on success. The job is
// deleted here, unless it is still running after the wait: then it deletes itself when done.
template <typename Job, typename OnSuccess>
QKeychain::Error runJob(Job *job, QString *message, OnSuccess &&onSuccess) {
    QEventLoop loop;
    bool finished = false;
    QObject::connect(job, &QKeychain::Job::finished, &loop, [&] {
        finished = true;
        loop.quit();
    });
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    job->setAutoDelete(false);
    job->setInsecureFallback(false); // never a plain-text file
    job->start();
    if (!finished)
        loop.exec();
    if (!finished) {
        QObject::disconnect(job, nullptr, &loop, nullptr);
        job->setAutoDelete(true);
        if (message)
            *message = QStringLiteral("the keychain did not answer within 10 s");
        return QKeychain::OtherError;
    }
    const QKeychain::Error error = job->error();
    if (message)
        *message = job->errorString();
    if (error == QKeychain::NoError)
        onSuccess(job);
    delete job;
    return error;
}

// Earlier versions stored a user without a password as "user@", which reads back as a password
// (WRONGPASS at the next start). A stored URL never holds a password, so that part is the user.
QString storedUrl(QString url) {
    static const QRegularExpression userOnly(QStringLiteral("^([A-Za-z]+://)([^:@/?]+)@"));
    return url.replace(userOnly, QStringLiteral("\\1\\2:@"));
}

} // namespace

SecretStore::SecretStore(QString service, bool useKeychain)
    : m_service(std::move(service))
    , m_keychainUsable(useKeychain) {}

SecretStore::Where SecretStore::store(const QString &key, const QString &secret, QString *note) {
    if (m_keychainUsable) {
        auto *job = new QKeychain::WritePasswordJob(m_service);
        job->setKey(key);
        job->setTextData(secret);
        QString message;
        if (runJob(job, &message, [](auto *) {}) == QKeychain::NoError) {
            m_memory.remove(key);
            return Where::Keychain;
        }
        m_keychainUsable = false; // do not wait for it again this session
        if (note)
            *note = QStringLiteral("No keychain answered (%1): the password is kept in memory "
                                   "until StreamScope quits, and asked for again next time.")
                        .arg(message);
    } else if (note) {
        *note = QStringLiteral("No keychain is available: the password is kept in memory until "
                               "StreamScope quits, and asked for again next time.");
    }
    m_memory.insert(key, secret);
    return Where::Memory;
}

std::optional<QString> SecretStore::fetch(const QString &key) {
    if (const auto it = m_memory.constFind(key); it != m_memory.cend())
        return it.value();
    if (!m_keychainUsable)
        return std::nullopt;
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setKey(key);
    QString secret;
    const QKeychain::Error error =
        runJob(job, nullptr, [&](QKeychain::ReadPasswordJob *done) { secret = done->textData(); });
    if (error == QKeychain::NoError)
        return secret;
    if (error != QKeychain::EntryNotFound)
        m_keychainUsable = false;
    return std::nullopt;
}

void SecretStore::forget(const QString &key) {
    m_memory.remove(key);
    if (!m_keychainUsable)
        return;
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setKey(key);
    runJob(job, nullptr, [](auto *) {});
}

ConnectionStore::ConnectionStore(QSettings *settings, SecretStore *secrets)
    : m_settings(settings)
    , m_secrets(secrets) {}

QList<SavedConnection> ConnectionStore::list() const {
    QList<SavedConnection> out;
    m_settings->beginGroup(QStringLiteral("connections"));
    for (const QString &group : m_settings->childGroups()) {
        m_settings->beginGroup(group);
        SavedConnection c;
        c.name = QString::fromUtf8(QByteArray::fromPercentEncoding(group.toLatin1()));
        c.url = storedUrl(m_settings->value(QStringLiteral("url")).toString());
        c.readOnly = m_settings->value(QStringLiteral("readOnly"), false).toBool();
        c.colour = QColor(m_settings->value(QStringLiteral("colour")).toString());
        c.hasPassword = m_settings->value(QStringLiteral("hasPassword"), false).toBool();
        m_settings->endGroup();
        out.append(c);
    }
    m_settings->endGroup();
    std::sort(out.begin(), out.end(), [](const SavedConnection &a, const SavedConnection &b) {
        return a.name.localeAwareCompare(b.name) < 0;
    });
    return out;
}

std::optional<SavedConnection> ConnectionStore::find(const QString &name) const {
    for (const SavedConnection &c : list())
        if (c.name == name)
            return c;
    return std::nullopt;
}

Error ConnectionStore::save(SavedConnection c, const QString &password, QString *note) {
    return saveWith(std::move(c), password, {}, note);
}

QStringList ConnectionStore::otherSecrets(const QString &name) const {
    return m_settings->value(group(name) + QStringLiteral("/secrets")).toStringList();
}

Error ConnectionStore::saveWith(SavedConnection c, const QString &password,
                                const QStringList &others, QString *note) {
    c.name = c.name.trimmed();
    if (c.name.isEmpty())
        return Error(Error::Kind::InvalidArgument, QStringLiteral("Give the connection a name."));
    auto parsed = ConnectionSettings::fromUrl(c.url);
    if (!parsed.ok())
        return parsed.error();
    // A password typed into the URL is moved out of it; REDISCLI_AUTH is not saved.
    QString secret = password;
    const bool urlHadPassword = c.url.contains(QLatin1Char('@')) && !parsed->password.isEmpty()
                                && qEnvironmentVariable("REDISCLI_AUTH") != parsed->password;
    if (secret.isEmpty() && urlHadPassword)
        secret = parsed->password;
    c.url = parsed->displayUrl(false);
    c.hasPassword = !secret.isEmpty();
    if (c.hasPassword)
        m_secrets->store(secretKey(c.name), secret, note);
    else
        m_secrets->forget(secretKey(c.name));
    // The other secrets were stored by saveSettings(); those no longer named are forgotten.
    for (SecretKind kind :
         {SecretKind::SentinelPassword, SecretKind::TlsKeyPassphrase, SecretKind::SshKeyPassphrase})
        if (!others.contains(secretName(kind)))
            m_secrets->forget(secretKey(c.name, kind));

    m_settings->remove(group(c.name));
    m_settings->beginGroup(group(c.name));
    m_settings->setValue(QStringLiteral("url"), c.url);
    m_settings->setValue(QStringLiteral("readOnly"), c.readOnly);
    m_settings->setValue(QStringLiteral("colour"),
                         c.colour.isValid() ? c.colour.name() : QString());
    m_settings->setValue(QStringLiteral("hasPassword"), c.hasPassword);
    if (!others.isEmpty())
        m_settings->setValue(QStringLiteral("secrets"), others);
    m_settings->endGroup();
    m_settings->sync();
    return {};
}

Error ConnectionStore::saveSettings(const QString &name, const ConnectionSettings &settings,
                                    const QColor &colour, QString *note) {
    SavedConnection c{name, settings.displayUrl(false), settings.readOnly, colour, false};
    QStringList others;
    const std::pair<SecretKind, QString> extras[] = {
        {SecretKind::SentinelPassword, settings.sentinel.password},
        {SecretKind::TlsKeyPassphrase, settings.tls.keyPassphrase},
        {SecretKind::SshKeyPassphrase, settings.ssh.keyPassphrase}};
    for (const auto &[kind, secret] : extras)
        if (!secret.isEmpty())
            others << secretName(kind);
    // The password is stored by saveWith(), which also checks the name and the URL.
    if (Error e = saveWith(c, settings.password, others, note))
        return e;
    for (const auto &[kind, secret] : extras)
        if (!secret.isEmpty())
            m_secrets->store(secretKey(c.name.trimmed(), kind), secret, note);
    return {};
}

void ConnectionStore::remove(const QString &name) {
    m_settings->remove(group(name));
    m_settings->sync();
    m_secrets->forget(secretKey(name));
    for (SecretKind kind :
         {SecretKind::SentinelPassword, SecretKind::TlsKeyPassphrase, SecretKind::SshKeyPassphrase})
        m_secrets->forget(secretKey(name, kind));
}

QString ConnectionStore::secretName(SecretKind kind) {
    switch (kind) {
    case SecretKind::Password:
        return QStringLiteral("password");
    case SecretKind::SentinelPassword:
        return QStringLiteral("sentinel-password");
    case SecretKind::TlsKeyPassphrase:
        return QStringLiteral("tls-key-passphrase");
    case SecretKind::SshKeyPassphrase:
        return QStringLiteral("ssh-key-passphrase");
    }
    return {};
}

QString ConnectionStore::secretLabel(SecretKind kind) {
    switch (kind) {
    case SecretKind::Password:
        return QStringLiteral("password");
    case SecretKind::SentinelPassword:
        return QStringLiteral("sentinel password");
    case SecretKind::TlsKeyPassphrase:
        return QStringLiteral("TLS key passphrase");
    case SecretKind::SshKeyPassphrase:
        return QStringLiteral("SSH key passphrase");
    }
    return {};
}

QString ConnectionStore::secretKey(const QString &name, SecretKind kind) {
    // The password keeps the key earlier versions stored it under.
    return kind == SecretKind::Password ? secretKey(name)
                                        : secretKey(name) + QLatin1Char('#') + secretName(kind);
}

Result<ConnectionSettings> ConnectionStore::settingsFor(
    const SavedConnection &c,
    const std::function<std::optional<QString>(const QString &name)> &askPassword) {
    return settingsWithSecrets(
        c, [&askPassword](const QString &name, const QString &what) -> std::optional<QString> {
            if (!askPassword)
                return std::nullopt;
            return askPassword(what == secretLabel(SecretKind::Password)
                                   ? name
                                   : QStringLiteral("%1 (%2)").arg(name, what));
        });
}

Result<ConnectionSettings> ConnectionStore::settingsWithSecrets(const SavedConnection &c,
                                                                const AskSecret &askSecret) {
    const QStringList others = otherSecrets(c.name);
    auto settings = ConnectionSettings::fromUrl(c.url);
    if (!settings.ok())
        return settings.error();
    settings->readOnly = c.readOnly;
    struct Wanted {
        SecretKind kind;
        bool stored;
        QString *field;
    };
    const Wanted wanted[] = {
        {SecretKind::Password, c.hasPassword, &settings->password},
        {SecretKind::SentinelPassword, others.contains(secretName(SecretKind::SentinelPassword)),
         &settings->sentinel.password},
        {SecretKind::TlsKeyPassphrase, others.contains(secretName(SecretKind::TlsKeyPassphrase)),
         &settings->tls.keyPassphrase},
        {SecretKind::SshKeyPassphrase, others.contains(secretName(SecretKind::SshKeyPassphrase)),
         &settings->ssh.keyPassphrase}};
    for (const Wanted &w : wanted) {
        if (!w.stored)
            continue;
        const QString key = secretKey(c.name, w.kind);
        if (auto secret = m_secrets->fetch(key)) {
            *w.field = *secret;
            continue;
        }
        const std::optional<QString> typed =
            askSecret ? askSecret(c.name, secretLabel(w.kind)) : std::nullopt;
        if (!typed)
            return Error(Error::Kind::Auth,
                         QStringLiteral("The %1 of %2 is not stored here; connect again and "
                                        "type it.")
                             .arg(secretLabel(w.kind), c.name));
        m_secrets->store(key, *typed);
        *w.field = *typed;
    }
    return settings;
}

} // namespace streamscope
