#include "TrimDialog.h"

#include "Confirm.h"

#include "GroupActions.h"
#include "Palette.h"
#include "Wording.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QVBoxLayout>

namespace streamscope {

TrimDialog::TrimDialog(GroupActions *requests, QByteArray stream, bool readOnly, QWidget *parent)
    : QDialog(parent)
    , m_requests(requests)
    , m_stream(std::move(stream))
    , m_readOnly(readOnly) {
    setWindowTitle(tr("Trim %1").arg(QString::fromUtf8(m_stream)));
    confirm = [this](const QString &q) {
        QString action = tr("Trim the stream");
        if (m_shownPreview && m_shownPreview->removedIsExact)
            action = tr("Trim %1").arg(countOf(m_shownPreview->removed, "entry", "entries"));
        return confirmAction(this, tr("Trim %1").arg(QString::fromUtf8(m_stream)), q, action, true);
    };
    m_mode = new QComboBox;
    m_mode->addItems(
        {tr("Keep the newest N entries (MAXLEN)"), tr("Remove entries older than an ID (MINID)")});
    m_value = new QLineEdit;
    m_value->setPlaceholderText(tr("N, or an entry ID"));
    m_approximate = new QCheckBox(tr("Approximate (~): cheaper, may keep a few more"));
    m_preview = new QLabel;
    m_preview->setObjectName(QStringLiteral("trimPreview"));
    m_preview->setWordWrap(true);
    m_preview->setTextFormat(Qt::RichText);
    m_preview->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_preview->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_error = new QLabel;
    m_error->setWordWrap(true);
    m_error->setStyleSheet(toneStyle(Tone::Critical));
    auto *previewButton = new QPushButton(tr("Preview"));
    m_trim = new QPushButton(tr("Trim"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(previewButton, QDialogButtonBox::ActionRole);
    buttons->addButton(m_trim, QDialogButtonBox::ApplyRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(previewButton, &QPushButton::clicked, this, &TrimDialog::preview);
    connect(m_trim, &QPushButton::clicked, this, &TrimDialog::trim);
    auto formChanged = [this] {
        m_shownPreview.reset();
        updateTrimButton();
    };
    connect(m_value, &QLineEdit::textChanged, this, formChanged);
    connect(m_mode, &QComboBox::currentIndexChanged, this, formChanged);
    connect(m_approximate, &QCheckBox::toggled, this, formChanged);

    if (requests) {
        connect(requests->worker(), &GroupActionsWorker::trimPreviewed, this,
                [this](int request, const TrimPreview &p, const QString &error) {
                    if (request != m_request)
                        return;
                    m_error->setText(error);
                    if (!error.isEmpty()) {
                        m_preview->clear();
                        fitToContents();
                        return;
                    }
                    QString html = p.describe(m_stream, m_previewed->approximate)
                                       .toHtmlEscaped()
                                       .section(QLatin1Char('\n'), 0, 0);
                    for (const TrimPreview::GroupLoss &g : p.groupsLosingUnread)
                        html += QStringLiteral("<br>")
                                + toneHtml(Tone::Critical,
                                           tr("Group %1 would lose %2 it has not been delivered "
                                              "yet.")
                                               .arg(QString::fromUtf8(g.group),
                                                    g.unreadLost
                                                        ? countOf(*g.unreadLost, "entry", "entries")
                                                        : tr("entries")),
                                           true);
                    for (const QByteArray &g : p.safeGroups)
                        html += QStringLiteral("<br>%1").arg(
                            tr("Group %1 loses nothing it has not read.")
                                .arg(QString::fromUtf8(g))
                                .toHtmlEscaped());
                    m_preview->setText(html);
                    m_shownPreview = p;
                    updateTrimButton();
                    fitToContents();
                });
        connect(requests->worker(), &GroupActionsWorker::actionFinished, this,
                [this](bool ok, const QString &message) {
                    if (!m_busy)
                        return; // another view's action on the same worker
                    m_busy = false;
                    m_shownPreview.reset();
                    if (ok) {
                        m_preview->setText(message.toHtmlEscaped());
                    } else { // the preview shown no longer describes the stream
                        m_error->setText(message);
                        m_preview->setText(tr("The trim did not complete (the error is above). "
                                              "Preview again to see the stream as it is now.")
                                               .toHtmlEscaped());
                    }
                    updateTrimButton();
                    fitToContents();
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
    updateTrimButton();
    // Wide enough for a sentence per line, so a warning wraps into a few lines, not many.
    resize(qMax(sizeHint().width(), fontMetrics().averageCharWidth() * 70), sizeHint().height());
}

void TrimDialog::updateTrimButton() {
    m_trim->setEnabled(m_shownPreview && !m_readOnly && !m_busy && m_requests);
    m_trim->setToolTip(m_readOnly        ? tr("Read-only mode: nothing that changes data is sent")
                       : !m_shownPreview ? tr("Preview first")
                                         : QString());
}

void TrimDialog::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    updateTrimButton();
}

void TrimDialog::fitToContents() {
    // A word-wrapped label's height depends on the width: ask the layout for the height the
    // current width needs, and grow (never shrink under the user's hands) to it, within the
    // screen.
    QLayout *l = layout();
    l->invalidate();
    l->activate();
    const int w = qMax(width(), minimumSizeHint().width());
    int h = l->hasHeightForWidth() ? l->totalHeightForWidth(w) : l->totalSizeHint().height();
    if (const QScreen *s = screen())
        h = qMin(h, s->availableGeometry().height() - 40);
    if (h > height() || w > width())
        resize(w, qMax(h, height()));
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
    m_shownPreview.reset();
    updateTrimButton();
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
    m_busy = true;
    updateTrimButton();
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
