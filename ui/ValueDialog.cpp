#include "ValueDialog.h"

#include "Wording.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QTabWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace streamscope {

namespace {

constexpr int maxTreeNodes = 200000;

// Adds value under parent with its children; counts nodes against the cap. Numbers show as
// written and members in their order (parseJson, not QJsonDocument, which rounds big integers
// through a double and sorts members).
void addJson(QTreeWidgetItem *parent, const QString &key, const valueformat::JsonValue &value,
             int *nodes) {
    if (++*nodes > maxTreeNodes)
        return;
    auto *item = new QTreeWidgetItem(parent);
    item->setText(0, key);
    using Type = valueformat::JsonValue::Type;
    if (value.type == Type::Object) {
        item->setText(1, QStringLiteral("{%1}").arg(value.items.size()));
        for (qsizetype i = 0; i < value.items.size(); ++i)
            addJson(item, QString::fromUtf8(value.names.at(i)), value.items.at(i), nodes);
    } else if (value.type == Type::Array) {
        item->setText(1, QStringLiteral("[%1]").arg(value.items.size()));
        for (qsizetype i = 0; i < value.items.size(); ++i)
            addJson(item, QString::number(i), value.items.at(i), nodes);
    } else {
        QByteArray text;
        valueformat::appendJson(text, value);
        item->setText(1, QString::fromUtf8(text));
    }
}

} // namespace

ValueDialog::ValueDialog(QString title, QByteArray value, valueformat::Format format,
                         QWidget *parent)
    : QDialog(parent)
    , m_value(std::move(value)) {
    setWindowTitle(title);
    m_format = new QComboBox;
    const QList<std::pair<QString, valueformat::Format>> formats{
        {tr("Automatic"), valueformat::Format::Auto},
        {tr("Text"), valueformat::Format::Text},
        {tr("JSON"), valueformat::Format::Json},
        {tr("MessagePack (as JSON)"), valueformat::Format::MessagePack},
        {tr("Hex"), valueformat::Format::Hex}};
    for (const auto &[label, f] : formats)
        m_format->addItem(label, int(f));
    m_format->setCurrentIndex(m_format->findData(int(format)));
    connect(m_format, &QComboBox::currentIndexChanged, this, &ValueDialog::start);

    m_text = new QPlainTextEdit;
    m_text->setReadOnly(true);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_tree = new QTreeWidget;
    m_tree->setHeaderLabels({tr("Key"), tr("Value")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tabs = new QTabWidget;
    m_tabs->addTab(m_text, tr("Formatted"));
    m_tabs->addTab(m_tree, tr("Tree"));
    m_note = new QLabel;
    m_note->setWordWrap(true);

    auto *copy = new QPushButton(tr("Copy value"));
    copy->setToolTip(tr("The exact value (as text; bytes that are not UTF-8 escaped)"));
    connect(copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(valueformat::displayText(m_value)); });
    auto *save = new QPushButton(tr("Save to file..."));
    save->setToolTip(tr("The exact bytes, unchanged"));
    connect(save, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save value"));
        if (path.isEmpty())
            return;
        QSaveFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(m_value) != m_value.size() || !f.commit())
            m_note->setText(tr("Cannot write %1: %2").arg(path, f.errorString()));
        else
            m_note->setText(
                tr("Saved %1 to %2.").arg(countOf(m_value.size(), "byte", "bytes"), path));
    });
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("%1, shown as").arg(countOf(m_value.size(), "byte", "bytes"))));
    top->addWidget(m_format);
    top->addStretch(1);
    top->addWidget(copy);
    top->addWidget(save);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_note);
    layout->addWidget(buttons);
    resize(900, 650);

    connect(&m_watcher, &QFutureWatcher<Formatted>::finished, this,
            [this] { showFormatted(m_watcher.result()); });
    start();
}

QString ValueDialog::shownText() const {
    return m_text->toPlainText();
}

ValueDialog::Formatted ValueDialog::format(const QByteArray &value, valueformat::Format f) {
    using valueformat::Format;
    Formatted out;
    if (f == Format::Auto)
        f = valueformat::detectFormat(value);
    switch (f) {
    case Format::Json:
        if (auto json = valueformat::prettyJson(value)) {
            out.text = *json;
            out.json = value;
            break;
        }
        out.note = QStringLiteral("This value is not JSON; shown as text.");
        out.text = valueformat::displayText(value);
        break;
    case Format::MessagePack:
        if (auto json = valueformat::messagePackJson(value)) {
            out.text = *json;
            out.json = json->toUtf8();
            break;
        }
        out.note = QStringLiteral("This value is not MessagePack; shown as hex.");
        Q_FALLTHROUGH();
    case Format::Hex:
        if (value.size() > maxHexBytes)
            out.note = QStringLiteral("The hex dump shows the first %1 bytes; save the value to "
                                      "a file for all of it.")
                           .arg(formatCount(maxHexBytes));
        out.text =
            valueformat::hexDump(QByteArrayView(value).first(std::min(value.size(), maxHexBytes)));
        break;
    case Format::Text:
    case Format::Auto:
        out.text = valueformat::displayText(value);
        break;
    }
    // Very long lines are broken for display (a single 16 MB line would take the text widget
    // seconds to lay out); copying and saving still give the value as it is.
    bool broken = false;
    QString wrapped;
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i <= out.text.size(); ++i) {
        if (i < out.text.size() && out.text.at(i) != QLatin1Char('\n'))
            continue;
        for (qsizetype at = lineStart; at < i; at += maxLineChars) {
            if (at > lineStart) {
                wrapped += QChar(0x21b5); // a visible mark where the line was broken
                wrapped += QLatin1Char('\n');
                broken = true;
            }
            wrapped += QStringView(out.text).mid(at, std::min<qsizetype>(maxLineChars, i - at));
        }
        if (i < out.text.size())
            wrapped += QLatin1Char('\n');
        lineStart = i + 1;
    }
    if (broken) {
        out.text = wrapped;
        out.note += (out.note.isEmpty() ? QString() : QStringLiteral(" "))
                    + QStringLiteral("Lines longer than %1 characters are broken for display "
                                     "(marked %2).")
                          .arg(maxLineChars)
                          .arg(QChar(0x21b5));
    }
    return out;
}

void ValueDialog::start() {
    m_ready = false;
    ++m_generation;
    m_text->setPlainText(tr("Formatting %1...").arg(countOf(m_value.size(), "byte", "bytes")));
    m_watcher.setFuture(QtConcurrent::run(&ValueDialog::format, m_value,
                                          valueformat::Format(m_format->currentData().toInt())));
}

void ValueDialog::showFormatted(const Formatted &formatted) {
    // Laying out megabytes of text at once would stall the window: the text goes in slices of
    // whole lines, one slice per turn of the event loop.
    m_pending = formatted.text;
    m_pendingAt = 0;
    m_text->clear();
    m_note->setText(formatted.note);
    fillTree(formatted.json);
    appendSlice(++m_generation);
}

void ValueDialog::appendSlice(int generation) {
    if (generation != m_generation)
        return; // another format was chosen meanwhile
    constexpr qsizetype sliceChars = 128 * 1024;
    if (m_pendingAt < m_pending.size() || m_pendingAt == 0) {
        qsizetype end = std::min(m_pending.size(), m_pendingAt + sliceChars);
        if (end < m_pending.size()) {
            const qsizetype newline = m_pending.indexOf(QLatin1Char('\n'), end);
            end = newline < 0 ? m_pending.size() : newline;
        }
        m_text->appendPlainText(
            QStringView(m_pending).mid(m_pendingAt, end - m_pendingAt).toString());
        m_pendingAt = end + 1; // past the newline
        if (m_pendingAt < m_pending.size()) {
            QTimer::singleShot(0, this, [this, generation] { appendSlice(generation); });
            return;
        }
    }
    m_pending.clear();
    m_text->moveCursor(QTextCursor::Start);
    m_text->ensureCursorVisible();
    m_ready = true;
    Q_EMIT ready();
}

void ValueDialog::fillTree(const QByteArray &json) {
    m_tree->clear();
    const bool usable = !json.isEmpty() && json.size() <= maxTreeBytes;
    m_tabs->setTabEnabled(1, usable);
    if (!usable) {
        if (json.size() > maxTreeBytes)
            m_tabs->setTabToolTip(1, tr("Values over 4 MiB are not shown as a tree"));
        return;
    }
    const auto doc = valueformat::parseJson(json);
    if (!doc) {
        m_tabs->setTabEnabled(1, false);
        return;
    }
    int nodes = 0;
    addJson(m_tree->invisibleRootItem(), tr("(value)"), *doc, &nodes);
    m_tree->expandToDepth(1); // the rest collapsed: open what you need
    if (nodes > maxTreeNodes)
        m_tabs->setTabToolTip(
            1, tr("Only the first %1 nodes are shown").arg(formatCount(maxTreeNodes)));
}

} // namespace streamscope
