#pragma once

#include "ConnectionSettings.h"

#include <QColor>
#include <QHash>
#include <QString>
#include <QStringList>

#include <functional>

#include <optional>

class QSettings;

namespace streamscope {

// Passwords: in the operating system's keychain through QtKeychain (Secret Service, KWallet,
// macOS Keychain, Windows Credential Store); where none answers, in this process's memory only,
// so the user is asked again next time. Never in a settings file (QtKeychain's plain-text
// fallback stays off).
class SecretStore {
public:
    enum class Where { Keychain, Memory };
    explicit SecretStore(QString service = QStringLiteral("StreamScope"), bool useKeychain = true);

    // Stores the secret; says where it went and, for memory, why (*note).
    Where store(const QString &key, const QString &secret, QString *note = nullptr);
    std::optional<QString> fetch(const QString &key);
    void forget(const QString &key);
    bool keychainAvailable() const { return m_keychainUsable; }

private:
    QString m_service;
    bool m_keychainUsable;
    QHash<QString, QString> m_memory;
};

// A connection the user saved: shown by name, with a colour tag; read-only when marked.
struct SavedConnection {
    QString name;
    QString url; // without the password
    bool readOnly = false;
    QColor colour;
    bool hasPassword = false; // the password lives in a SecretStore, never here
};

// The secrets of a connection, each its own keychain entry. Never written to a settings file.
enum class SecretKind { Password, SentinelPassword, TlsKeyPassphrase, SshKeyPassphrase };

// Saved connections in QSettings (group "connections"), their passwords in a SecretStore.
class ConnectionStore {
public:
    ConnectionStore(QSettings *settings, SecretStore *secrets);

    QList<SavedConnection> list() const;
    std::optional<SavedConnection> find(const QString &name) const;
    // Saves (or replaces) a connection. A password in the URL or in password goes to the secret
    // store, never to the settings. Returns an error for a bad URL or an empty name; *note says
    // where the password went.
    Error save(SavedConnection connection, const QString &password, QString *note = nullptr);
    // Saves (or replaces) the whole of settings under name: the URL with its TLS, Sentinel and
    // SSH parameters (displayUrl, no secret) and the read-only flag in the settings, every secret
    // (password, sentinel password, TLS and SSH key passphrases) in the secret store.
    Error saveSettings(const QString &name, const ConnectionSettings &settings,
                       const QColor &colour, QString *note = nullptr);
    void remove(const QString &name);
    // The settings to connect with: the URL plus the stored password; when the password is
    // needed and not stored, askPassword is called (nullopt: the user declined).
    Result<ConnectionSettings>
    settingsFor(const SavedConnection &connection,
                const std::function<std::optional<QString>(const QString &name)> &askPassword);
    // As above, asking for any secret that is not stored (what: "password", "TLS key
    // passphrase", ...).
    using AskSecret =
        std::function<std::optional<QString>(const QString &name, const QString &what)>;
    Result<ConnectionSettings> settingsWithSecrets(const SavedConnection &connection,
                                                   const AskSecret &askSecret);
    static QString secretName(SecretKind kind);  // "sentinel-password", as in SavedConnection
    static QString secretLabel(SecretKind kind); // "sentinel password", for people
    SecretStore *secrets() const { return m_secrets; }

private:
    static QString secretKey(const QString &name) { return QStringLiteral("connection/") + name; }
    static QString secretKey(const QString &name, SecretKind kind);
    // save() with the names of the other secrets stored beside the password (secretName()).
    Error saveWith(SavedConnection connection, const QString &password,
                   const QStringList &otherSecrets, QString *note);
    // The names of the other secrets stored for a saved connection.
    QStringList otherSecrets(const QString &name) const;
    static QString group(const QString &name) {
        return QStringLiteral("connections/")
               + QString::fromLatin1(name.toUtf8().toPercentEncoding());
    }
    QSettings *m_settings;
    SecretStore *m_secrets;
};

} // namespace streamscope
