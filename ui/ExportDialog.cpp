#include "ExportDialog.h"

#include "Confirm.h"

#include "Palette.h"
#include "Wording.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace streamscope {

ExportDialog::ExportDialog(ExportChoices choices, std::optional<ConnectionSettings> settings,
                           QWidget *parent)
    : QDialog(parent)
    , m_choices(std::move(choices))
    , m_settings(std::move(settings))
    , m_group(new QButtonGroup(this)) {
    setWindowTitle(tr("Export"));
    confirmReplace = [this](const QString &path) {
        return confirmAction(
            this, tr("Replace file?"),
            tr("%1 already exists. Replace it with this export? Its contents will be lost.")
                .arg(path),
            tr("Replace file"), true);
    };
    auto *layout = new QVBoxLayout(this);
    auto addChoice = [&](Choice id, const QString &text, bool enabled) {
        auto *b = new QRadioButton(text);
        b->setEnabled(enabled);
        m_group->addButton(b, int(id));
        layout->addWidget(b);
        return b;
    };
    const auto the = [](qsizetype n, const char *one, const char *many) {
        return n == 1 ? tr(one) : tr(many).arg(formatCount(n));
    };
    addChoice(Choice::Loaded,
              the(m_choices.loaded.size(), "The loaded entry", "The %1 loaded entries"),
              !m_choices.loaded.isEmpty());
    QRadioButton *matching =
        addChoice(Choice::Matching,
                  m_choices.matching.isEmpty()
                      ? tr("The entries that match the filter (no filter set, or nothing matches)")
                      : the(m_choices.matching.size(), "The entry that matches the filter",
                            "The %1 entries that match the filter"),
                  !m_choices.matching.isEmpty());
    addChoice(Choice::Selected,
              m_choices.selected.isEmpty()
                  ? tr("The selected entries (none is selected)")
                  : the(m_choices.selected.size(), "The selected entry", "The %1 selected entries"),
              !m_choices.selected.isEmpty());
    addChoice(
        Choice::Range,
        m_choices.stream.isEmpty()
            ? tr("A range of a stream (open one first)")
            : tr("A range of %1, read from the server").arg(QString::fromUtf8(m_choices.stream)),
        !m_choices.stream.isEmpty() && m_settings);
    m_from = new QLineEdit;
    m_from->setPlaceholderText(tr("from: the start, a time (14:05) or an ID"));
    m_to = new QLineEdit;
    m_to->setPlaceholderText(tr("to: the end, a time or an ID (inclusive)"));
    auto *range = new QHBoxLayout;
    range->setContentsMargins(24, 0, 0, 0);
    range->addWidget(m_from);
    range->addWidget(m_to);
    layout->addLayout(range);
    m_allowGaps = new QCheckBox(tr("Keep the file when entries of the range are trimmed or "
                                   "deleted while it is written"));
    m_allowGaps->setToolTip(tr("Without this, an export that lost entries to a trim (or XDEL) "
                               "while it ran fails and writes nothing. With it, the file is "
                               "kept and the count of missing entries is given."));
    auto *gaps = new QHBoxLayout;
    gaps->setContentsMargins(24, 0, 0, 0);
    gaps->addWidget(m_allowGaps);
    layout->addLayout(gaps);
    addChoice(Choice::Pending,
              m_choices.group.isEmpty() ? tr("A group's pending entries (select a group first)")
                                        : tr("The pending entries of group %1 on %2")
                                              .arg(QString::fromUtf8(m_choices.group),
                                                   QString::fromUtf8(m_choices.stream)),
              !m_choices.group.isEmpty() && m_settings);

    m_path = new QLineEdit(
        QDir::home().filePath((m_choices.stream.isEmpty() ? QStringLiteral("entries")
                                                          : QString::fromUtf8(m_choices.stream))
                              + QStringLiteral(".jsonl")));
    auto *browse = new QPushButton(tr("Choose..."));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export to"), m_path->text(),
                                                          tr("JSON Lines (*.jsonl);;CSV (*.csv)"));
        if (!path.isEmpty())
            m_path->setText(path);
    });
    m_format = new QComboBox;
    m_format->addItem(tr("JSON Lines"), int(ExportFormat::JsonLines));
    m_format->addItem(tr("CSV"), int(ExportFormat::Csv));
    connect(m_path, &QLineEdit::textChanged, this, [this](const QString &path) {
        m_format->setCurrentIndex(m_format->findData(int(exportFormatFor(path))));
    });
    connect(m_format, &QComboBox::activated, this, [this] {
        QString path = m_path->text();
        const QString ext =
            m_format->currentIndex() == 1 ? QStringLiteral(".csv") : QStringLiteral(".jsonl");
        const qsizetype dot = path.lastIndexOf(QLatin1Char('.'));
        if (dot > path.lastIndexOf(QLatin1Char('/')))
            path.truncate(dot);
        m_path->setText(path + ext);
    });
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    auto *form = new QFormLayout;
    form->addRow(tr("File"), pathRow);
    form->addRow(tr("Format"), m_format);
    layout->addLayout(form);

    m_progress = new QProgressBar;
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_message = new QLabel;
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_progress);
    layout->addWidget(m_message);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton *exportButton = m_buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    connect(exportButton, &QPushButton::clicked, this, &ExportDialog::start);
    connect(m_buttons, &QDialogButtonBox::rejected, this, [this] {
        if (m_job)
            cancel();
        else
            reject();
    });
    layout->addWidget(m_buttons);

    // What the filter keeps when there is a filter (that is what the user looks at), else the
    // first choice on offer.
    if (matching->isEnabled())
        matching->setChecked(true);
    else
        for (QAbstractButton *b : m_group->buttons())
            if (b->isEnabled()) {
                b->setChecked(true);
                break;
            }
    resize(560, sizeHint().height());
}

ExportDialog::~ExportDialog() {
    // Closing during an export to a server that stopped answering must not wait for it: the
    // job is cancelled (nothing is written) and ends on its own.
    if (m_job)
        m_job->stopInBackground();
}

void ExportDialog::choose(Choice choice) {
    if (QAbstractButton *b = m_group->button(int(choice)))
        b->setChecked(true);
}

ExportDialog::Choice ExportDialog::choice() const {
    return Choice(m_group->checkedId());
}

void ExportDialog::setMessage(const QString &text, bool error) {
    m_message->setText(error ? toneHtml(Tone::Critical, text) : text.toHtmlEscaped());
}

QString ExportDialog::messageText() const {
    return m_message->text();
}

Result<ExportSource> ExportDialog::source() const {
    ExportSource s;
    switch (Choice(m_group->checkedId())) {
    case Choice::Loaded:
        s.entries = m_choices.loaded;
        break;
    case Choice::Selected:
        s.entries = m_choices.selected;
        break;
    case Choice::Matching:
        s.entries = m_choices.matching;
        break;
    case Choice::Range:
        return ExportSource::range(m_choices.stream, m_from->text(), m_to->text(),
                                   QDate::currentDate());
    case Choice::Pending:
        s.kind = ExportSource::Kind::Pending;
        s.stream = m_choices.stream;
        s.group = m_choices.group;
        break;
    default:
        return Error(Error::Kind::InvalidArgument, tr("Choose what to export."));
    }
    return s;
}

bool ExportDialog::start() {
    if (m_job)
        return false;
    auto s = source();
    if (!s.ok()) {
        setMessage(s.error().message, true);
        return false;
    }
    const QString path = m_path->text().trimmed();
    if (path.isEmpty()) {
        setMessage(tr("Choose a file to export to."), true);
        return false;
    }
    if (QFileInfo(path).isFile() && !confirmReplace(path)) {
        setMessage(tr("Nothing was written: %1 already exists. Choose another file, or export "
                      "again and replace it.")
                       .arg(path),
                   false);
        return false;
    }
    m_outcome.reset();
    m_progress->setValue(0);
    setMessage(tr("Exporting %1...").arg(s->describe()), false);
    ExportOptions options = m_options;
    options.allowGaps = m_allowGaps->isChecked();
    m_job = std::make_unique<ExportThread>(
        s.value(), path, ExportFormat(m_format->currentData().toInt()), m_settings, options);
    connect(m_job->job(), &ExportJob::progress, this, [this](qint64 written, double fraction) {
        if (fraction >= 0)
            m_progress->setValue(int(fraction * 1000));
        else
            m_progress->setRange(0, 0); // busy
        setMessage(tr("%1 written...").arg(countOf(written, "entry", "entries")), false);
    });
    connect(m_job->job(), &ExportJob::done, this, &ExportDialog::onDone);
    m_buttons->button(QDialogButtonBox::Close)->setText(tr("Cancel"));
    m_job->start();
    return true;
}

void ExportDialog::cancel() {
    if (m_job)
        m_job->job()->requestStop();
}

void ExportDialog::onDone(const ExportOutcome &outcome) {
    m_job.reset();
    m_outcome = outcome;
    m_buttons->button(QDialogButtonBox::Close)->setText(tr("Close"));
    m_progress->setRange(0, 1000);
    if (outcome.cancelled) {
        m_progress->setValue(0);
        setMessage(tr("Cancelled; %1 was not written.").arg(outcome.path), false);
    } else if (outcome.failure == ExportOutcome::Failure::Incomplete) {
        setMessage(tr("Export failed, nothing was written: %1. Check \"Keep the file...\" to "
                      "keep what could be read.")
                       .arg(outcome.error),
                   true);
    } else if (!outcome.error.isEmpty()) {
        setMessage(tr("Export failed, nothing was written: %1").arg(outcome.error), true);
    } else if (!outcome.warning.isEmpty()) {
        m_progress->setValue(1000);
        setMessage(
            tr("Wrote exactly %1 to %2, but %3.")
                .arg(countOf(outcome.written, "entry", "entries"), outcome.path, outcome.warning),
            true);
    } else {
        m_progress->setValue(1000);
        setMessage(tr("Wrote exactly %1 to %2.")
                       .arg(countOf(outcome.written, "entry", "entries"), outcome.path),
                   false);
    }
    Q_EMIT exported(outcome);
}

} // namespace streamscope
