#pragma once

#include "ConnectionDialog.h"
#include "Error.h"

#include <QFrame>

#include <functional>

class QLabel;
class QMessageBox;
class QPushButton;

namespace streamscope {

// A connection problem retrying cannot fix: a certificate or TLS handshake we cannot accept
// (Error::Kind::Tls), an SSH host key unknown or changed (HostKey), a refused password (Auth).
// Said in red above the views until the user connects again, with a button to the connection
// dialog's tab where it is fixed (settingsWanted).
// A core message in the connection dialog's words: "--cacert" becomes "the CA file", and so on.
QString inDialogWords(QString message);

class ConnectionProblemBanner : public QFrame {
    Q_OBJECT
public:
    static bool isFinal(const Error &error);

    explicit ConnectionProblemBanner(QWidget *parent = nullptr);
    // Shows the problem ("TLS: ...", "Authentication as ... failed: ...").
    void showProblem(const Error &error);
    void clear();
    bool hasProblem() const { return m_error.isError(); }
    const Error &problem() const { return m_error; }
    QString text() const;
    // A second line under the problem (what became of trusting a host key, say).
    void setNote(const QString &note);
    QPushButton *button() const { return m_button; }

Q_SIGNALS:
    void settingsWanted(streamscope::ConnectionDialog::Tab tab);

private:
    QLabel *m_text;
    QPushButton *m_button;
    Error m_error;
    ConnectionDialog::Tab m_tab = ConnectionDialog::ServerTab;
};

// OpenSSH's way with an SSH host key problem: an unknown key may be trusted after a look at its
// fingerprint ("Trust and connect" calls trust; Cancel is the default), a changed one is
// refused outright with what to do if the change is known. Null when the error names no key
// (known_hosts could not be read: nothing to trust). Deletes itself when closed.
QMessageBox *hostKeyPrompt(const Error &error, QWidget *parent,
                           const std::function<void(const QString &fingerprint)> &trust);

} // namespace streamscope
