#pragma once

#include "StreamEntry.h"
#include "ValueFormat.h"

#include <QAbstractTableModel>
#include <QTextBrowser>

class QDialog;
class QMenu;

namespace streamscope {

class ValueDialog;

// Every field of one entry as a table, each row formatted when a view asks for it (data()), so
// 100,000 fields cost what the rows on screen cost. Double-clicking opens the whole value.
class EntryFieldsModel : public QAbstractTableModel {
public:
    enum Column { IndexColumn, NameColumn, ValueColumn, ColumnCount };
    static constexpr int maxCellChars = 300;
    explicit EntryFieldsModel(StreamEntry entry, QObject *parent = nullptr);
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    StreamEntry m_entry;
    QList<QPair<QByteArrayView, QByteArrayView>> m_fields; // into m_entry's buffer
};

// The selected entry, field by field: JSON values pretty-printed, non-UTF-8 bytes escaped,
// values over 64 KiB cut (the rest is never laid out, so a 16 MB value does not freeze).
// A wide entry shows its first fields and a "Show N more fields" link that opens every field in
// a table (EntryFieldsModel): laying out 100,000 fields as rich text froze the GUI for 15 s.
class EntryDetailView : public QTextBrowser {
    Q_OBJECT
    Q_PROPERTY(int shownFields READ shownFields)
public:
    static constexpr int maxShownBytes = 64 * 1024;
    static constexpr int firstFields = 100; // laid out in the pane
    explicit EntryDetailView(QWidget *parent = nullptr);
    void showEntry(const StreamEntry &entry);
    void clearEntry();
    // Auto (default): JSON, text or hex per value; or one format for every value.
    void setFormat(valueformat::Format format);
    valueformat::Format format() const { return m_format; }
    // Opens a field's whole value in its own window (also the "open" links).
    ValueDialog *openValue(int field);
    // Fields laid out in the pane (the first firstFields at most).
    int shownFields() const { return m_shown; }
    // Every field in a table window, scrolled to the first one the pane does not show (also the
    // "Show N more fields" link). Nullptr when there is no entry.
    Q_INVOKABLE QDialog *openAllFields();
    // The context menu at a point of the pane: copy and select, and the value format as radio
    // items; no "Copy Link Location" (its links open values, they are no locations). The caller
    // owns it.
    QMenu *createContextMenu(const QPoint &pos);

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    void render();
    std::optional<StreamEntry> m_entry;
    int m_shown = 0;
    valueformat::Format m_format = valueformat::Format::Auto;
};

} // namespace streamscope
