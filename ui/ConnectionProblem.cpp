#include "ConnectionProblem.h"

#include "Palette.h"

#include "SshTunnel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QStyle>

namespace streamscope {

// The core's messages name the command line's flags ("give it with --cacert"); in the window
// the same settings are fields of the connection dialog.
QString inDialogWords(QString message) {
    static const QList<QPair<QString, QString>> words{
        {QStringLiteral("give it with --cacert (or --cacertdir)"),
         QStringLiteral("give it as the CA file (or CA directory) in the TLS tab")},
        {QStringLiteral("give --cert and --key"),
         QStringLiteral("give a client certificate and its key in the TLS tab")},
        {QStringLiteral("use --sni or the right host name"),
         QStringLiteral("set the server name (SNI) in the TLS tab, or use the right host name")},
        {QStringLiteral("trust it with --cacert FILE holding that certificate, or --insecure"),
         QStringLiteral("trust it with a CA file holding that certificate, or turn off "
                        "verification, in the TLS tab")},
        {QStringLiteral("(the name given with --sni): give one of its names with --sni"),
         QStringLiteral("(the server name, SNI, in the TLS tab): give one of its names there")},
        {QStringLiteral("STREAMSCOPE_TLS_KEY_PASSPHRASE"),
         QStringLiteral("the key passphrase field of the TLS tab")},
        {QStringLiteral("STREAMSCOPE_SSH_KEY_PASSPHRASE"),
         QStringLiteral("the passphrase field of the SSH tab")},
        {QStringLiteral("--cacertdir"), QStringLiteral("the CA directory")}, // before --cacert
        {QStringLiteral("--cacert"), QStringLiteral("the CA file")},
    };
    for (const auto &[flag, field] : words)
        message.replace(flag, field);
    return message;
}

bool ConnectionProblemBanner::isFinal(const Error &error) {
    // InvalidArgument reaches the window only from a connect (the tail's failed signal): a
    // sentinel's port given as a server, a master the sentinels do not know.
    return error.isFinal();
}

ConnectionProblemBanner::ConnectionProblemBanner(QWidget *parent)
    : QFrame(parent)
    , m_text(new QLabel)
    , m_button(new QPushButton) {
    setObjectName(QStringLiteral("finalError"));
    setFrameShape(QFrame::StyledPanel);
    // A tint of the palette's critical tone: the text keeps the palette's colour, so it reads on
    // a light and a dark palette alike.
    const QColor critical = toneColour(Tone::Critical);
    setStyleSheet(
        QStringLiteral("#finalError { background:rgba(%1,%2,%3,40); border:1px solid %4; }")
            .arg(critical.red())
            .arg(critical.green())
            .arg(critical.blue())
            .arg(critical.name()));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text->setToolTip(tr("StreamScope stopped connecting: trying again cannot help until this is "
                          "fixed. Fix it in the connection dialog, or connect again."));
    m_button->setObjectName(QStringLiteral("finalErrorButton"));
    connect(m_button, &QPushButton::clicked, this, [this] { Q_EMIT settingsWanted(m_tab); });
    auto *icon = new QLabel;
    const int size = style()->pixelMetric(QStyle::PM_LargeIconSize);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxCritical).pixmap(size, size));
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(icon);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_button);
    hide();
}

void ConnectionProblemBanner::showProblem(const Error &error) {
    m_error = error;
    QString title;
    switch (error.kind) {
    case Error::Kind::Tls:
        title = tr("TLS");
        m_button->setText(tr("TLS settings..."));
        m_tab = ConnectionDialog::TlsTab;
        break;
    case Error::Kind::HostKey:
        title = tr("SSH host key");
        m_button->setText(tr("SSH settings..."));
        m_tab = ConnectionDialog::SshTab;
        break;
    case Error::Kind::InvalidArgument:
        title = tr("Connection");
        m_button->setText(tr("Connection settings..."));
        m_tab = m_error.message.contains(QLatin1String("sentinel"), Qt::CaseInsensitive)
                    ? ConnectionDialog::SentinelTab
                    : ConnectionDialog::ServerTab;
        break;
    default:
        title = tr("Authentication");
        m_button->setText(tr("Server settings..."));
        m_tab = ConnectionDialog::ServerTab;
        break;
    }
    // "TLS: ...", unless the message says it already ("TLS with host:port: ...").
    const QString firstWord = title.section(QLatin1Char(' '), 0, 0);
    const QString message = inDialogWords(error.message);
    m_text->setText(message.startsWith(firstWord, Qt::CaseInsensitive)
                        ? message.left(1).toUpper() + message.mid(1)
                        : tr("%1: %2").arg(title, message));
    show();
}

void ConnectionProblemBanner::clear() {
    m_error = Error();
    m_text->clear();
    hide();
}

QString ConnectionProblemBanner::text() const {
    return hasProblem() ? m_text->text() : QString();
}

void ConnectionProblemBanner::setNote(const QString &note) {
    m_text->setText(m_text->text().section(QLatin1Char('\n'), 0, 0) + QLatin1Char('\n') + note);
}

QMessageBox *hostKeyPrompt(const Error &error, QWidget *parent,
                           const std::function<void(const QString &fingerprint)> &trust) {
    const std::optional<SshHostKey> key = sshHostKeyProblem(error);
    if (!key)
        return nullptr;
    auto *box = new QMessageBox(parent);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("hostKeyPrompt"));
    box->setDetailedText(error.message);
    if (key->status == SshHostKey::Status::Changed) {
        box->setIcon(QMessageBox::Critical);
        box->setWindowTitle(QObject::tr("SSH host key CHANGED"));
        box->setText(QObject::tr("<b>The host key of the SSH server %1 has CHANGED.</b>")
                         .arg(key->endpoint.toHtmlEscaped()));
        box->setInformativeText(
            QObject::tr("It is now %1; %2 holds another key.\n\nSomeone may be intercepting the "
                        "connection (a man-in-the-middle attack), or the server was reinstalled. "
                        "StreamScope refuses to connect and sent nothing.\n\nAsk the server's "
                        "administrator; only if the new key is right, remove the old one "
                        "(ssh-keygen -R HOST -f %2) and connect again.")
                .arg(key->fingerprint, key->knownHostsFile));
        box->setStandardButtons(QMessageBox::Close);
        box->setDefaultButton(QMessageBox::Close);
        return box;
    }
    box->setIcon(QMessageBox::Warning);
    box->setWindowTitle(QObject::tr("Unknown SSH host key"));
    box->setText(
        QObject::tr("The SSH server %1 is not in %2.").arg(key->endpoint, key->knownHostsFile));
    box->setInformativeText(
        QObject::tr("Its %1 key fingerprint is\n%2\n\nCompare it with the one the server's "
                    "administrator gives you (ssh-keygen -lf on the server's host key). Trust it "
                    "only if they match: it is then added to %3.")
            .arg(key->keyType.isEmpty() ? QObject::tr("host") : key->keyType, key->fingerprint,
                 key->knownHostsFile));
    QPushButton *trustButton =
        box->addButton(QObject::tr("Trust and connect"), QMessageBox::AcceptRole);
    trustButton->setObjectName(QStringLiteral("trustHostKey"));
    QPushButton *cancel = box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(cancel); // refusing is what Enter does
    box->setEscapeButton(cancel);
    const QString fingerprint = key->fingerprint;
    QObject::connect(trustButton, &QPushButton::clicked, box,
                     [trust, fingerprint] { trust(fingerprint); });
    return box;
}

} // namespace streamscope
