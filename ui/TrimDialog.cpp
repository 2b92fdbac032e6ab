#include "TrimDialog.h"

#include "GroupActions.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace streamscope {

TrimDialog::TrimDialog(GroupActions *requests, QByteArray stream, bool readOnly, QWidget *parent)
    : QDialog(parent)
    , m_requests(requests)
    , m_stream(std::move(stream))
    , m_readOnly(readOnly) {
    setWindowTitle(tr("Trim %1").arg(QString::fromUtf8(m_stream)));
    confirm = [this](const QString &q) {
        return QMessageBox::question(this, tr("Confirm"), q) == QMessageBox::Yes;
    };
    m_mode = new QComboBox;
    m_mode->addItems(
        {tr("Keep the newest N entries (MAXLEN)"), tr("Remove entries older than an ID (MINID)")});
    m_value = new QLineEdit;
    m_value->setPlaceholderText(tr("N, or an entry ID"));
    m_approximate = new QCheckBox(tr("Approximate (~): cheaper, may keep a few more"));
    m_preview = new QLabel;
    m_preview->setWordWrap(true);
    m_preview->setTextFormat(Qt::RichText);
    m_error = new QLabel;
    m_error->setStyleSheet(QStringLiteral("color:#c62828"));
    auto *previewButton = new QPushButton(tr("Preview"));
    m_trim = new QPushButton(tr("Trim"));
    m_trim->setEnabled(false);
    m_trim->setToolTip(readOnly ? tr("Read-only mode: nothing that changes data is sent")
                                : tr("Preview first"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(previewButton, QDialogButtonBox::ActionRole);
    buttons->addButton(m_trim, QDialogButtonBox::ApplyRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(previewButton, &QPushButton::clicked, this, &TrimDialog::preview);
    connect(m_trim, &QPushButton::clicked, this, &TrimDialog::trim);
    connect(m_value, &QLineEdit::textChanged, this, [this] { m_trim->setEnabled(false); });
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this] { m_trim->setEnabled(false); });
    connect(m_approximate, &QCheckBox::toggled, this, [this] { m_trim->setEnabled(false); });

    if (requests) {
        connect(requests->worker(), &GroupActionsWorker::trimPreviewed, this,
                [this](int request, const TrimPreview &p, const QString &error) {
                    if (request != m_request)
                        return;
                    m_error->setText(error);
                    if (!error.isEmpty())
                        return;
                    QString html = p.describe(m_stream, m_previewed->approximate)
                                       .toHtmlEscaped()
                                       .section(QLatin1Char('\n'), 0, 0);
                    for (const TrimPreview::GroupLoss &g : p.groupsLosingUnread)
                        html += QStringLiteral("<br><span style='color:#c62828'><b>%1</b></span>")
                                    .arg(tr("Group %1 would lose %2 it has not been delivered "
                                            "yet.")
                                             .arg(QString::fromUtf8(g.group),
                                                  g.unreadLost ? tr("%1 entries").arg(*g.unreadLost)
                                                               : tr("entries"))
                                             .toHtmlEscaped());
                    for (const QByteArray &g : p.safeGroups)
                        html += QStringLiteral("<br>%1").arg(
                            tr("Group %1 loses nothing it has not read.")
                                .arg(QString::fromUtf8(g))
                                .toHtmlEscaped());
                    m_preview->setText(html);
                    m_trim->setEnabled(!m_readOnly);
                });
        connect(requests->worker(), &GroupActionsWorker::actionFinished, this,
                [this](bool ok, const QString &message) {
                    if (ok) {
                        m_preview->setText(message.toHtmlEscaped());
                    } else { // the preview shown no longer describes the stream
                        m_error->setText(message);
                        m_preview->setText(tr("The trim did not complete (the error is above). "
                                              "Preview again to see the stream as it is now.")
                                               .toHtmlEscaped());
                    }
                    Q_EMIT trimmed(ok, message);
                });
    }

    auto *form = new QFormLayout;
    form->addRow(tr("How"), m_mode);
    form->addRow(tr("Value"), m_value);
    form->addRow(QString(), m_approximate);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(m_preview, 1);
    layout->addWidget(buttons);
}

std::optional<TrimSpec> TrimDialog::spec() {
    TrimSpec spec;
    spec.approximate = m_approximate->isChecked();
    const QString value = m_value->text().trimmed();
    if (m_mode->currentIndex() == 0) {
        bool ok = false;
        spec.maxLen = value.toLongLong(&ok);
        if (!ok || spec.maxLen < 0) {
            m_error->setText(tr("MAXLEN needs a whole number of entries to keep (0 or more)."));
            return std::nullopt;
        }
    } else {
        auto id = StreamId::parse(value.toUtf8());
        if (!id.ok()) {
            m_error->setText(id.error().message);
            return std::nullopt;
        }
        spec.mode = TrimSpec::Mode::MinId;
        spec.minId = id.value();
    }
    m_error->clear();
    return spec;
}

void TrimDialog::preview() {
    m_previewed = spec();
    m_trim->setEnabled(false);
    if (!m_previewed || !m_requests)
        return;
    m_preview->setText(tr("Looking..."));
    GroupActionsWorker *w = m_requests->worker();
    const int request = ++m_request;
    const QByteArray stream = m_stream;
    const TrimSpec s = *m_previewed;
    QMetaObject::invokeMethod(
        w, [w, request, stream, s] { w->previewTrim(request, stream, s); }, Qt::QueuedConnection);
}

void TrimDialog::trim() {
    if (!m_previewed || m_readOnly || !m_requests || !canTrim())
        return;
    if (!confirm(tr("Trim %1 now, as previewed? Removed entries cannot be brought back.")
                     .arg(QString::fromUtf8(m_stream))))
        return;
    GroupActionsWorker *w = m_requests->worker();
    const QByteArray stream = m_stream;
    const TrimSpec s = *m_previewed;
    m_trim->setEnabled(false);
    QMetaObject::invokeMethod(
        w, [w, stream, s] { w->trim(stream, s); }, Qt::QueuedConnection);
}

QString TrimDialog::previewText() const {
    return m_preview->text();
}
QString TrimDialog::errorText() const {
    return m_error->text();
}
bool TrimDialog::canTrim() const {
    return m_trim->isEnabled();
}

} // namespace streamscope
