#pragma once

// A private sshd (Debian's openssh-server) for the SSH tunnel tests: /usr/sbin/sshd -D -e on a
// free loopback port, with its own ed25519 host key and config in a temporary directory, and
// three client keys made with ssh-keygen: one authorized, one authorized with a passphrase,
// one not authorized. Every key login is accepted for any user that exists (root in CI).

#include "ConnectionSettings.h"
#include "Error.h"

#include <QProcess>
#include <QTemporaryDir>

#include <memory>

namespace streamscope::test {

class TestSsh {
public:
    struct Options {
        bool allowTcpForwarding = true;
    };

    TestSsh();
    explicit TestSsh(Options options);
    ~TestSsh();

    // Makes the keys (first time), writes the config and starts sshd; waits until it accepts
    // TCP connections. The error says why not, with sshd's log.
    Error start(int timeoutMs = 10000);
    // SIGKILLs sshd and every session process it forked: the clients' connections drop, as
    // when the bastion host reboots.
    void stop();
    bool isRunning() const;
    // SIGSTOP (or SIGCONT) every session process: their connections stay open and the kernel
    // still acknowledges, but nothing answers (a frozen bastion).
    void freezeSessions(bool freeze);

    quint16 port() const { return m_port; }
    QString dir() const { return m_dir ? m_dir->path() : QString(); }
    QString keyFile() const;             // authorized, no passphrase
    QString passphraseKeyFile() const;   // authorized, protected by passphrase()
    QString unauthorizedKeyFile() const; // a valid key the server does not know
    static QString passphrase() { return QStringLiteral("correct horse battery staple"); }

    QString hostKeyFingerprint() const; // "SHA256:...", from ssh-keygen -l
    QString knownHostsLine() const;     // "[127.0.0.1]:PORT ssh-ed25519 AAAA..."
    // Writes a known_hosts file in the fixture's directory: with the server's key, or with
    // another key for the same name (a changed host key), or empty. Returns its path.
    enum class KnownHosts { Trusted, Changed, Empty };
    QString writeKnownHosts(const QString &name, KnownHosts content) const;

    // The tunnel settings: the local user (root in CI), this server, key and known_hosts.
    ConnectionSettings::Ssh settings(const QString &keyFile, const QString &knownHostsFile) const;

    QString log() const;                     // everything sshd wrote (all its runs)
    int logCount(const QString &text) const; // lines of the log containing text

private:
    Error makeKeys();
    Error writeConfig() const;

    Options m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
};

} // namespace streamscope::test
