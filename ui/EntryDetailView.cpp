#include "EntryDetailView.h"

#include "Palette.h"
#include "ValueDialog.h"
#include "ValueFormat.h"
#include "Wording.h"

#include <QActionGroup>
#include <QContextMenuEvent>
#include <QDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QTableView>
#include <QVBoxLayout>

#include <memory>

namespace streamscope {

EntryDetailView::EntryDetailView(QWidget *parent)
    : QTextBrowser(parent) {
    setOpenLinks(false);
    connect(this, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() == QLatin1String("value"))
            openValue(url.path().toInt());
        else if (url.scheme() == QLatin1String("more"))
            openAllFields();
    });
    clearEntry();
}

void EntryDetailView::clearEntry() {
    m_entry.reset();
    m_shown = 0;
    setHtml(QStringLiteral("<p>%1</p>")
                .arg(toneHtml(Tone::Muted, tr("Select an event to see its fields."))));
}

void EntryDetailView::contextMenuEvent(QContextMenuEvent *event) {
    std::unique_ptr<QMenu> menu(createContextMenu(event->pos()));
    menu->exec(event->globalPos());
}

QMenu *EntryDetailView::createContextMenu(const QPoint &pos) {
    QMenu *menu = createStandardContextMenu(pos);
    // QTextBrowser offers "Copy Link Location" on a link; ours are "open this value" links.
    for (QAction *a : menu->actions())
        if (a->objectName() == QLatin1String("link-copy"))
            menu->removeAction(a);
    QMenu *formats = menu->addMenu(tr("Show values as"));
    auto *group = new QActionGroup(formats);
    group->setExclusive(true);
    const QList<QPair<QString, valueformat::Format>> choices{
        {tr("Automatic (JSON, text, MessagePack or hex)"), valueformat::Format::Auto},
        {tr("Text"), valueformat::Format::Text},
        {tr("JSON"), valueformat::Format::Json},
        {tr("MessagePack (as JSON)"), valueformat::Format::MessagePack},
        {tr("Hex"), valueformat::Format::Hex}};
    for (const auto &[label, format] : choices) {
        QAction *a = formats->addAction(label);
        a->setCheckable(true);
        a->setChecked(m_format == format);
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, f = format] { setFormat(f); });
    }
    return menu;
}

ValueDialog *EntryDetailView::openValue(int field) {
    if (!m_entry || field < 0 || field >= m_entry->fieldCount())
        return nullptr;
    auto *dialog = new ValueDialog(tr("%1 of %2 %3")
                                       .arg(valueformat::singleLine(m_entry->fieldName(field), 60),
                                            valueformat::singleLine(m_entry->stream, 60),
                                            QString::fromLatin1(m_entry->id.toByteArray())),
                                   m_entry->fieldValue(field).toByteArray(), m_format, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

QDialog *EntryDetailView::openAllFields() {
    if (!m_entry)
        return nullptr;
    auto *dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("%1 of %2 %3")
                               .arg(countOf(m_entry->fieldCount(), "field", "fields"),
                                    valueformat::singleLine(m_entry->stream, 60),
                                    QString::fromLatin1(m_entry->id.toByteArray())));
    auto *model = new EntryFieldsModel(*m_entry, dialog);
    auto *view = new QTableView;
    view->setModel(model);
    view->setWordWrap(false);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    // Fixed row heights and column widths: nothing is measured over 100,000 rows.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    view->horizontalHeader()->setStretchLastSection(true);
    const int margin = view->fontMetrics().horizontalAdvance(QStringLiteral("MM"));
    view->setColumnWidth(EntryFieldsModel::IndexColumn,
                         view->fontMetrics().horizontalAdvance(QStringLiteral("000,000")) + margin);
    view->setColumnWidth(
        EntryFieldsModel::NameColumn,
        view->fontMetrics().horizontalAdvance(QStringLiteral("a_longer_field_name_")) + margin);
    connect(view, &QTableView::doubleClicked, this,
            [this](const QModelIndex &index) { openValue(index.row()); });
    auto *note = new QLabel(tr("Double-click a row to open its whole value."));
    auto *layout = new QVBoxLayout(dialog);
    layout->addWidget(view);
    layout->addWidget(note);
    dialog->resize(900, 600);
    dialog->show();
    if (m_shown < model->rowCount())
        view->scrollTo(model->index(m_shown, 0), QAbstractItemView::PositionAtTop);
    return dialog;
}

EntryFieldsModel::EntryFieldsModel(StreamEntry entry, QObject *parent)
    : QAbstractTableModel(parent)
    , m_entry(std::move(entry)) {
    m_fields.reserve(m_entry.fieldCount());
    m_entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        m_fields.append({name, value});
    });
}

int EntryFieldsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_fields.size());
}

int EntryFieldsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EntryFieldsModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_fields.size())
        return {};
    const auto &[name, value] = m_fields.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case IndexColumn:
            return formatCount(index.row() + 1);
        case NameColumn:
            return valueformat::singleLine(name, maxCellChars);
        case ValueColumn:
            return valueformat::singleLine(value, maxCellChars);
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole && index.column() == ValueColumn) {
        return EntryDetailView::tr("%1; double-click to open the whole value")
            .arg(countOf(value.size(), "byte", "bytes"));
    } else if (role == Qt::TextAlignmentRole && index.column() == IndexColumn) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant EntryFieldsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case IndexColumn:
        return QStringLiteral("#");
    case NameColumn:
        return EntryDetailView::tr("Field");
    case ValueColumn:
        return EntryDetailView::tr("Value");
    case ColumnCount:
        break;
    }
    return {};
}

void EntryDetailView::setFormat(valueformat::Format format) {
    m_format = format;
    render();
}

void EntryDetailView::showEntry(const StreamEntry &entry) {
    m_entry = entry;
    render();
}

void EntryDetailView::render() {
    if (!m_entry)
        return;
    const StreamEntry &entry = *m_entry;
    QString html;
    html +=
        QStringLiteral("<h3>%1</h3>").arg(valueformat::displayText(entry.stream).toHtmlEscaped());
    html += QStringLiteral("<p><tt>%1</tt> &nbsp; %2</p>")
                .arg(entry.id.toString(), entry.id.timeText(Qt::ISODateWithMs).toHtmlEscaped());
    if (entry.deleted)
        html += QStringLiteral("<p><i>%1</i></p>")
                    .arg(tr("This entry was deleted from the stream.").toHtmlEscaped());
    html += QStringLiteral("<table cellspacing='0' cellpadding='4' width='100%'>");
    int field = 0;
    m_shown = int(qMin<qsizetype>(entry.fieldCount(), firstFields));
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (field >= m_shown)
            return; // the rest are in the table the "more" link opens
        const QString text = valueformat::formatValue(value, m_format, maxShownBytes);
        QString note;
        if (value.size() > maxShownBytes)
            note = QStringLiteral("<br><i>%1</i> <a href='value:%2'>%3</a>")
                       .arg(tr("showing the first %1 of %2 bytes")
                                .arg(formatCount(maxShownBytes), formatCount(value.size()))
                                .toHtmlEscaped())
                       .arg(field)
                       .arg(tr("Open the whole value"));
        else if (value.size() > 80 || text.contains(QLatin1Char('\n')))
            note = QStringLiteral("<br><a href='value:%1'>%2</a>").arg(field).arg(tr("open"));
        if (value.size() <= maxShownBytes && !valueformat::isUtf8(value)
            && (m_format == valueformat::Format::MessagePack
                || (m_format == valueformat::Format::Auto
                    && valueformat::detectFormat(value) == valueformat::Format::MessagePack)))
            note = QStringLiteral("<br><i>%1</i>").arg(tr("MessagePack, shown as JSON")) + note;
        ++field;
        html +=
            QStringLiteral("<tr><td valign='top'><b>%1</b></td>"
                           "<td><pre style='margin:0'>%2</pre>%3</td></tr>")
                .arg(valueformat::displayText(name).toHtmlEscaped(), text.toHtmlEscaped(), note);
    });
    html += QStringLiteral("</table>");
    if (m_shown < entry.fieldCount())
        html +=
            QStringLiteral("<p><a href='more:'>%1</a></p>")
                .arg(tr("Show %1")
                         .arg(countOf(entry.fieldCount() - m_shown, "more field", "more fields"))
                         .toHtmlEscaped());
    setHtml(html);
}

} // namespace streamscope
